package dwiseneuro.serve.faults;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dwiseneuro.serve.testing.EnsembleCopy;
import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * Serves the demo ensemble with member 0 replaced by a TorchScript wrapper that computes exactly the
 * same as the original member but raises inside {@code features} for any window whose pupil-center x
 * channel holds {@link #SENTINEL}: a real exception from libtorch inside a real batch, with no fault
 * hook in the service. The wrapper is made at test time by src/test/python/make_faulty_member.py with
 * the trainer's Python (TRAINER_PYTHON, default /usr/bin/python3, which needs torch). One window per
 * batch, so that a batch holds exactly one clip's window.
 */
public class FaultyMemberProfile implements QuarkusTestProfile {

    public static final float SENTINEL = -7777f;
    static Path log;

    @Override
    public Map<String, String> getConfigOverrides() {
        EnsembleCopy copy = EnsembleCopy.ofDemo("faulty-ensemble-");
        String python = System.getenv().getOrDefault("TRAINER_PYTHON", "/usr/bin/python3");
        Path script = Path.of("src/test/python/make_faulty_member.py").toAbsolutePath();
        try {
            Process process = new ProcessBuilder(python, script.toString(),
                    copy.file(EnsembleCopy.demoMember(0)).toString(), copy.file("faulty-fold_0.pt").toString(),
                    Float.toString(SENTINEL))
                    .redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes());
            if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("could not make the faulty member with " + python + " " + script
                        + " (it needs torch: apt-get install python3-torch, or set TRAINER_PYTHON):\n" + output);
            }
        } catch (IOException e) {
            throw new IllegalStateException("could not run " + python + " (set TRAINER_PYTHON to a Python with torch)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
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
