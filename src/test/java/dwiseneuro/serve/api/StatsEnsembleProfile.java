package dwiseneuro.serve.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * The demo ensemble with the optional per-mouse statistics a trained manifest carries, for mouse 1 only:
 * unit_ids, behavior_mean, pupil_center_mean and response_std (two of them tiny, below the 1% floor), and
 * the same std per frame in a response_std_file of STD_FRAMES frames.
 * Mouse 2 has none, to test the refusals. Written to target/ensemble-with-stats at test start.
 */
public class StatsEnsembleProfile implements QuarkusTestProfile {

    public static final Path DIR = Path.of("target/ensemble-with-stats");
    public static final double[] BEHAVIOR_MEAN = {0.25, 1.5};
    public static final double[] PUPIL_CENTER_MEAN = {-3.0, 2.0};
    public static final int NEURONS = 37;
    public static final int STD_FRAMES = 40;
    static final String STD_FILE = "response_std-mouse0.npy";

    public static double responseStd(int neuron) {
        return neuron == 3 ? 0.0 : neuron == 7 ? 1e-5 : 0.5 + 0.1 * neuron;
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        prepare();
        // Small batches: the test clips have 6 windows, and warming up 32-window batches costs half a minute on CPU.
        return Map.of("dwiseneuro.models-dir", DIR.toString(), "dwiseneuro.batching.max-batch", "8");
    }

    static synchronized void prepare() {
        Path demo = Path.of("models/demo");
        try {
            Files.createDirectories(DIR);
            ObjectMapper json = new ObjectMapper();
            ObjectNode manifest = (ObjectNode) json.readTree(demo.resolve("manifest.json").toFile());
            for (var member : manifest.get("members")) {
                String file = member.get("file").asText();
                Files.copy(demo.resolve(file), DIR.resolve(file), StandardCopyOption.REPLACE_EXISTING);
            }
            ObjectNode mouse = (ObjectNode) manifest.get("mice").get(0);
            ArrayNode units = mouse.putArray("unit_ids");
            ArrayNode std = mouse.putArray("response_std");
            for (int n = 0; n < NEURONS; n++) {
                units.add(1000 + n);
                std.add(responseStd(n));
            }
            // The per-frame std the trainer writes when the dataset's std is (neurons, frames): here each neuron's
            // response_std in every one of STD_FRAMES frames, so normalisation gives the same numbers as with
            // response_std alone, and a clip longer than STD_FRAMES shows that normalize=true uses this file.
            float[] perFrame = new float[NEURONS * STD_FRAMES];
            for (int n = 0; n < NEURONS; n++) {
                java.util.Arrays.fill(perFrame, n * STD_FRAMES, (n + 1) * STD_FRAMES, (float) responseStd(n));
            }
            Files.write(DIR.resolve(STD_FILE), dwiseneuro.serve.media.NpyWriter.float32(perFrame, NEURONS, STD_FRAMES));
            mouse.put("response_std_file", STD_FILE);
            mouse.putArray("behavior_mean").add(BEHAVIOR_MEAN[0]).add(BEHAVIOR_MEAN[1]);
            mouse.putArray("pupil_center_mean").add(PUPIL_CENTER_MEAN[0]).add(PUPIL_CENTER_MEAN[1]);
            json.writerWithDefaultPrettyPrinter().writeValue(DIR.resolve("manifest.json").toFile(), manifest);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
