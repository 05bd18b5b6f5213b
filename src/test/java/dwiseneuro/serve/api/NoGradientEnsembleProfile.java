package dwiseneuro.serve.api;

import java.util.Map;

import dwiseneuro.serve.testing.TemplateEnsemble;
import io.quarkus.test.junit.QuarkusTestProfile;

/** The template ensemble exported without input_gradient (as members exported before gradients existed). */
public class NoGradientEnsembleProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("dwiseneuro.models-dir", TemplateEnsemble.make(2, false).folder().toString(),
                "dwiseneuro.batching.max-batch", "2");
    }
}
