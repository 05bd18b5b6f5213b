package dwiseneuro.serve.experiments.spec;

import com.fasterxml.jackson.databind.JsonNode;

import dwiseneuro.serve.ServeConfig;
import dwiseneuro.serve.ensemble.Manifest;
import dwiseneuro.serve.experiments.Experiment;
import dwiseneuro.serve.experiments.ExperimentType;

/**
 * An experiment type (a {@code @Singleton} bean: no client proxy, so its constructor may take arguments) whose spec binds strictly to the record {@code S} ({@link SpecReader}) and whose
 * clips must stay within the service's clip limit.
 */
public abstract class SpecType<S> implements ExperimentType {

    private final String name;
    private final Class<S> spec;
    /** Most frames one clip may have (dwiseneuro.limits.max-frames). */
    protected final int maxFrames;

    protected SpecType(String name, Class<S> spec, ServeConfig config) {
        this.name = name;
        this.spec = spec;
        this.maxFrames = config.limits().maxFrames();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Experiment parse(JsonNode json, Manifest manifest, Manifest.Mouse mouse) {
        return build(SpecReader.read(json, spec, name), manifest, mouse);
    }

    /** Checks the bound spec against the ensemble and the mouse and builds the experiment. */
    protected abstract Experiment build(S spec, Manifest manifest, Manifest.Mouse mouse);
}
