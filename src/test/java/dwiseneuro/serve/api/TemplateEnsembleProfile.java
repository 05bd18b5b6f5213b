package dwiseneuro.serve.api;

import java.util.Map;

import dwiseneuro.serve.testing.TemplateEnsemble;
import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * Serves the template ensemble (src/test/python/make_template_member.py): one member whose neurons are
 * linear templates followed by a softplus, with input_gradient, so that gradients and most exciting inputs
 * have closed forms. Small batches: the test clips have a few windows.
 */
public class TemplateEnsembleProfile implements QuarkusTestProfile {

    public static final int NEURONS = 3;
    private static TemplateEnsemble ensemble;

    public static synchronized TemplateEnsemble ensemble() {
        if (ensemble == null) {
            ensemble = TemplateEnsemble.make(NEURONS, true);
        }
        return ensemble;
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("dwiseneuro.models-dir", ensemble().folder().toString(), "dwiseneuro.batching.max-batch", "4");
    }
}
