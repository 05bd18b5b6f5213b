package dwiseneuro.serve.faults;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import dwiseneuro.serve.testing.EnsembleCopy;
import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * Copies of the demo ensemble whose every member is a probe made at test time by
 * src/test/python/make_probe_member.py: responses known by construction (neuron n of mouse m at frame t
 * is behavior0[t] + n + 1000 m, exactly, whatever the batching), and libtorch raising CUDA's
 * out-of-memory or illegal-memory-access messages for windows that carry the markers below in their
 * pupil-center channels (which the responses ignore). No fault hook in the service.
 */
final class ProbeMemberProfiles {

    /** Pupil y: the batch does not fit when it has more than {@link OutOfMemory#FITS} windows. */
    static final float OOM_MARKER = -1f;
    /** Pupil y: no batch holding such a window fits, not even a batch of one. */
    static final float NEVER_FITS_MARKER = -2f;
    /** Pupil x: the batch breaks the CUDA context. */
    static final float LOST_MARKER = -9f;

    private ProbeMemberProfiles() {
    }

    abstract static class Probe implements QuarkusTestProfile {
        static final Map<Class<?>, Path> LOGS = new HashMap<>();

        abstract List<String> faults();

        abstract Map<String, String> batching();

        @Override
        public Map<String, String> getConfigOverrides() {
            EnsembleCopy copy = EnsembleCopy.ofDemo("probe-ensemble-");
            List<String> neurons = new ArrayList<>();
            for (JsonNode mouse : copy.manifest().get("mice")) {
                neurons.add(mouse.get("neurons").asText());
            }
            List<String> args = new ArrayList<>(List.of(copy.file("probe.pt").toString(), "--neurons", String.join(",", neurons)));
            args.addAll(faults());
            TestMembers.make("make_probe_member.py", args.toArray(String[]::new));
            for (int i = 0; i < copy.manifest().get("members").size(); i++) {
                copy.replaceMember(i, "probe.pt");
            }
            Path log = copy.folder().resolve("service.log");
            LOGS.put(getClass(), log);
            Map<String, String> config = new HashMap<>(batching());
            config.putAll(Map.of(
                    "dwiseneuro.models-dir", copy.folder().toString(),
                    "quarkus.log.file.enabled", "true",
                    "quarkus.log.file.path", log.toString()));
            return config;
        }
    }

    /** Batches of up to 16 windows; a batch holding an OOM_MARKER window fits only up to 3 windows. */
    public static class OutOfMemory extends Probe {
        static final int FITS = 3;

        @Override
        List<String> faults() {
            return List.of("--oom-above", Integer.toString(FITS), "--oom-marker", Float.toString(OOM_MARKER),
                    "--never-fits-marker", Float.toString(NEVER_FITS_MARKER));
        }

        @Override
        Map<String, String> batching() {
            return Map.of("dwiseneuro.batching.max-batch", "16", "dwiseneuro.batching.max-delay", "20ms");
        }
    }

    /** One window per batch; a window carrying LOST_MARKER breaks the (simulated) CUDA context. */
    public static class DeviceLost extends Probe {
        @Override
        List<String> faults() {
            return List.of("--lost-marker", Float.toString(LOST_MARKER));
        }

        @Override
        Map<String, String> batching() {
            return Map.of("dwiseneuro.batching.max-batch", "1", "dwiseneuro.batching.max-delay", "1ms");
        }
    }
}
