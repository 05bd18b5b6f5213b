package dwiseneuro.serve.batching;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * Room for one 31-frame clip's model input (2.5 MiB of the 3 MiB), and a long max-delay so that a
 * lone clip waits in the queue long enough for a second one to find the budget taken.
 */
public class QueueMemoryProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "dwiseneuro.batching.queue-memory", "3M",
                "dwiseneuro.batching.max-batch", "4",
                "dwiseneuro.batching.max-delay", "1500ms");
    }
}
