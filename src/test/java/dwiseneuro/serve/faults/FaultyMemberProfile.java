package dwiseneuro.serve.faults;

import java.nio.file.Path;
import java.util.Map;

import dwiseneuro.serve.testing.EnsembleCopy;
import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * Serves the demo ensemble with member 0 replaced by a TorchScript wrapper that computes exactly the
 * same as the original member but raises inside {@code features} for any window whose pupil-center x
 * channel holds {@link #SENTINEL}: a real exception from libtorch inside a real batch, with no fault
 * hook in the service. The wrapper is made at test time by src/test/python/make_faulty_member.py
 * ({@link TestMembers}). One window per batch, so that a batch holds exactly one clip's window.
 */
public class FaultyMemberProfile implements QuarkusTestProfile {

    public static final float SENTINEL = -7777f;
    static Path log;

    @Override
    public Map<String, String> getConfigOverrides() {
        EnsembleCopy copy = EnsembleCopy.ofDemo("faulty-ensemble-");
        TestMembers.make("make_faulty_member.py", copy.file(EnsembleCopy.demoMember(0)).toString(),
                copy.file("faulty-fold_0.pt").toString(), Float.toString(SENTINEL));
        copy.replaceMember(0, "faulty-fold_0.pt");
        log = copy.folder().resolve("service.log");
        return Map.of(
                "dwiseneuro.models-dir", copy.folder().toString(),
                "dwiseneuro.batching.max-batch", "1",
                "dwiseneuro.batching.max-delay", "1ms",
                "quarkus.log.file.enabled", "true",
                "quarkus.log.file.path", log.toString());
    }
}
