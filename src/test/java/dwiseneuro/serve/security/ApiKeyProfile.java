package dwiseneuro.serve.security;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/** Two API keys, as a Kubernetes Secret would give them through DWISENEURO_AUTH_API_KEYS. */
public class ApiKeyProfile implements QuarkusTestProfile {

    static final String KEY_A = "3f9c1e7a2b6d4c8e9f0a1b2c3d4e5f60";
    static final String KEY_B = "second-key-for-rotation-0123456789";

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "dwiseneuro.auth.api-keys", KEY_A + "," + KEY_B,
                "dwiseneuro.batching.max-batch", "2",
                "dwiseneuro.limits.max-upload-bytes", "1048576");
    }
}
