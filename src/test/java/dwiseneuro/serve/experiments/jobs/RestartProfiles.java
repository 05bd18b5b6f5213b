package dwiseneuro.serve.experiments.jobs;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * Two app starts over one results directory: each profile is its own Quarkus start, so the first test
 * class's app is shut down (marking its running job interrupted) before the second's starts and reads
 * the directory back. Quarkus orders test classes by profile, then by class name: ExperimentRestart1...
 * runs before ExperimentRestart2....
 */
final class RestartProfiles {

    static final String RESULTS = "target/experiments-restart-test";
    /** Set by the first start's test once it has left its jobs behind (JVM-wide: both starts run in one JVM). */
    static final String FIRST_RAN = "experiments-restart-test.first-start";

    private RestartProfiles() {
    }

    static Map<String, String> config() {
        return Map.of("dwiseneuro.experiments.results-dir", RESULTS,
                "dwiseneuro.batching.max-batch", "4",
                "dwiseneuro.batching.log-interval", "1s");
    }

    public static class FirstStart implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return config();
        }
    }

    public static class SecondStart implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return config();
        }
    }
}
