package dwiseneuro.serve.corpus;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/** Small limits, so that the over-limit cases stay cheap: 2 MiB per request, 64 frames per clip. */
public class CorpusProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "dwiseneuro.limits.max-upload-bytes", "2097152",
                "dwiseneuro.limits.max-frames", "64",
                "dwiseneuro.batching.max-batch", "4",
                "dwiseneuro.batching.max-delay", "1ms");
    }
}
