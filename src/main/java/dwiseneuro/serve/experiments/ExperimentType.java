package dwiseneuro.serve.experiments;

import com.fasterxml.jackson.databind.JsonNode;

import dwiseneuro.serve.ensemble.Manifest;

/**
 * One kind of experiment (the spec's {@code type}), a CDI bean: the jobs API finds every implementation
 * and hands it the specs of its type.
 */
public interface ExperimentType {

    /** The spec's {@code type} value this bean handles, e.g. {@code direction_tuning}. */
    String name();

    /**
     * Validates {@code spec} (the whole JSON object, {@code type} included) for {@code mouse} of the
     * served ensemble and builds the experiment; throws {@link SpecException} naming the bad field.
     */
    Experiment parse(JsonNode spec, Manifest manifest, Manifest.Mouse mouse);
}
