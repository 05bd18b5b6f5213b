package dwiseneuro.serve.experiments;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dwiseneuro.serve.testing.ChildProcess;
import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * Serves an ensemble made at test time by src/test/python/make_detector_ensemble.py (with the trainer's
 * Python, TRAINER_PYTHON, default /usr/bin/python3, which needs torch): mouse "motion" has direction-
 * selective motion detectors, mouse "spots" spot detectors at set pixel positions; the script writes
 * their ground truth to truth.json beside the manifest.
 */
public class DetectorEnsembleProfile implements QuarkusTestProfile {

    static Path folder;

    @Override
    public Map<String, String> getConfigOverrides() {
        try {
            folder = Files.createTempDirectory("detector-ensemble-");
            String python = System.getenv().getOrDefault("TRAINER_PYTHON", "/usr/bin/python3");
            ChildProcess.succeed(new ProcessBuilder(python,
                    Path.of("src/test/python/make_detector_ensemble.py").toAbsolutePath().toString(), folder.toString()), 180);
        } catch (IOException e) {
            throw new UncheckedIOException("could not make the detector ensemble (TRAINER_PYTHON needs torch)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return Map.of("dwiseneuro.models-dir", folder.toString(), "dwiseneuro.batching.max-batch", "16");
    }

    /** truth.json of the made ensemble. */
    static JsonNode truth() {
        try {
            return new ObjectMapper().readTree(folder.resolve("truth.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
