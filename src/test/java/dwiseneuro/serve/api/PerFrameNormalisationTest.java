package dwiseneuro.serve.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dwiseneuro.serve.ensemble.EnsembleException;
import dwiseneuro.serve.ensemble.Manifest;
import dwiseneuro.serve.ensemble.ManifestReader;
import dwiseneuro.serve.media.NpyArray;
import dwiseneuro.serve.media.NpyReader;
import dwiseneuro.serve.testing.ChildProcess;

/**
 * normalize=true against the original solution's ResponseNormalizer run in numpy
 * (src/test/python/normalise_like_the_original.py): a per-frame (neurons, frames) std read from the
 * manifest's response_std_file, and one std per neuron from response_std, with NaN, zero and tiny values.
 */
class PerFrameNormalisationTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final int NEURONS = 37;   // demo-mouse-1
    static final int CLIP = 38;

    @TempDir
    Path dir;

    /** Runs the numpy reference for a std of {@code stdFrames} frames; returns its folder. */
    Path reference(int stdFrames) throws IOException, InterruptedException {
        Path out = dir.resolve("numpy-" + stdFrames);
        String python = System.getenv().getOrDefault("TRAINER_PYTHON", "/usr/bin/python3");
        ChildProcess.succeed(new ProcessBuilder(python, Path.of("src/test/python/normalise_like_the_original.py").toString(),
                out.toString(), Integer.toString(NEURONS), Integer.toString(stdFrames), Integer.toString(CLIP), "7"), 120);
        return out;
    }

    static NpyArray npy(Path file) throws IOException {
        return NpyReader.read(file.getFileName().toString(), Files.readAllBytes(file));
    }

    /** The demo manifest in {@code dir} with mouse 1's statistics changed by {@code edit}. */
    Manifest manifest(java.util.function.Consumer<ObjectNode> edit) throws IOException {
        ObjectNode manifest = (ObjectNode) JSON.readTree(Path.of("models/demo/manifest.json").toFile());
        edit.accept((ObjectNode) manifest.get("mice").get(0));
        JSON.writeValue(dir.resolve("manifest.json").toFile(), manifest);
        return ManifestReader.read(dir, JSON);
    }

    static void assertNormalised(float[] out, NpyArray expected, int first) {
        int width = CLIP - first;
        double worst = 0;
        for (int n = 0; n < NEURONS; n++) {
            for (int t = 0; t < width; t++) {
                float e = expected.data()[n * CLIP + first + t];
                float got = out[n * width + t];
                worst = Math.max(worst, Math.abs(got - e) / Math.abs(e));
                assertEquals(e, got, 1e-6f * Math.abs(e), "neuron " + n + " frame " + (first + t));
            }
        }
        System.out.printf("normalised like numpy: neuron 0 frames %d..%d: %.6f %.6f (numpy %.6f %.6f), worst relative "
                + "difference %.2g%n", first, first + 1, out[0], out[1], expected.data()[first], expected.data()[first + 1], worst);
    }

    @Test
    void perFrameStdFromTheSideFileFollowsTheOriginal() throws Exception {
        Path numpy = reference(40);
        Files.copy(numpy.resolve("std.npy"), dir.resolve("response_std-mouse0.npy"), StandardCopyOption.REPLACE_EXISTING);
        Manifest.Mouse mouse = manifest(m -> m.put("response_std_file", "response_std-mouse0.npy")).mice().get(0);
        assertEquals(40, mouse.responseStdFrames().frames());
        assertNull(mouse.responseStd());

        ResponseSelection selection = new ResponseSelection("5:", true);
        selection.check(mouse);
        int[] bounds = selection.bounds(CLIP, mouse);
        assertArrayEquals(new int[] {5, CLIP}, bounds);
        float[] out = selection.apply(npy(numpy.resolve("predictions.npy")).data(), NEURONS, CLIP, bounds, mouse);
        assertNormalised(out, npy(numpy.resolve("expected.npy")), 5);

        // the original slices precision[..., :frames]: a clip longer than the std cannot be normalised frame by frame
        ProblemException tooLong = assertThrows(ProblemException.class, () -> selection.bounds(41, mouse));
        assertEquals(422, tooLong.status());
        assertTrue(tooLong.getMessage().contains("has 40 frames; this clip has 41"), tooLong.getMessage());
        // without normalize the std does not limit the clip
        assertArrayEquals(new int[] {0, 41}, new ResponseSelection(null, false).bounds(41, mouse));
    }

    @Test
    void oneStdPerNeuronFollowsTheOriginal() throws Exception {
        Path numpy = reference(1);
        NpyArray std = npy(numpy.resolve("std.npy"));
        Manifest.Mouse mouse = manifest(m -> {
            ArrayNode values = m.putArray("response_std");
            for (float v : std.data()) {
                values.add(v);
            }
        }).mice().get(0);
        ResponseSelection selection = new ResponseSelection(null, true);
        float[] out = selection.apply(npy(numpy.resolve("predictions.npy")).data(), NEURONS, CLIP, selection.bounds(CLIP, mouse), mouse);
        assertNormalised(out, npy(numpy.resolve("expected.npy")), 0);
    }

    @Test
    void badSideFilesAreRefusedNamingTheFile() throws Exception {
        Path numpy = reference(40);
        assertTrue(assertThrows(EnsembleException.class, () -> manifest(m -> m.put("response_std_file", "missing.npy")))
                .getMessage().contains("missing.npy: mouse demo-mouse-1: 'response_std_file' must name a .npy file"));
        assertThrows(EnsembleException.class, () -> manifest(m -> m.put("response_std_file", "../manifest.json")));
        // predictions.npy is (37, 38) float32: right type; a (36, 64, ...) video or wrong rows are not
        Files.copy(numpy.resolve("predictions.npy"), dir.resolve("ok.npy"));
        assertEquals(CLIP, manifest(m -> m.put("response_std_file", "ok.npy")).mice().get(0).responseStdFrames().frames());
        Files.write(dir.resolve("wrong.npy"), dwiseneuro.serve.media.NpyWriter.float32(new float[36 * 5], 36, 5));
        String message = assertThrows(EnsembleException.class, () -> manifest(m -> m.put("response_std_file", "wrong.npy")))
                .getMessage();
        assertTrue(message.contains("wrong.npy: mouse demo-mouse-1: the per-frame response std must be float32 (C order) "
                + "of shape (37, frames), got"), message);
        assertThrows(EnsembleException.class, () -> manifest(m -> m.put("video_mean", 300.0)));
        assertEquals(118.5, manifest(m -> m.put("video_mean", 118.5)).mice().get(0).videoMean());
    }
}
