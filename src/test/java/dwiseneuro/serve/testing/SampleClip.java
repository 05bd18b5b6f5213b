package dwiseneuro.serve.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import dwiseneuro.serve.media.NpyArray;
import dwiseneuro.serve.media.NpyReader;

/**
 * The demo ensemble's sample clip (models/demo/sample: video (36, 64, 120) uint8, behavior and
 * pupil center (2, 120) float32), cut to any number of frames and written back as .npy.
 */
public final class SampleClip {

    public static final Path SAMPLE = Path.of("models/demo/sample");
    public static final int HEIGHT = 36;
    public static final int WIDTH = 64;

    private static NpyArray video;
    private static NpyArray behavior;
    private static NpyArray pupilCenter;

    private SampleClip() {
    }

    private static synchronized void load() {
        if (video == null) {
            video = read("video");
            behavior = read("behavior");
            pupilCenter = read("pupil_center");
        }
    }

    private static NpyArray read(String name) {
        try {
            return NpyReader.read(name, Files.readAllBytes(SAMPLE.resolve(name + ".npy")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static int sampleFrames() {
        load();
        return video.dim(2);
    }

    /** Video values (36 x 64 x frames, C order) of the first {@code frames} frames (repeating the sample if longer). */
    public static float[] videoValues(int frames) {
        load();
        return cut(video.data(), HEIGHT * WIDTH, video.dim(2), frames);
    }

    /** Behavior or pupil center values (2 x frames, C order). */
    public static float[] traceValues(String name, int frames) {
        load();
        NpyArray trace = name.equals("behavior") ? behavior : pupilCenter;
        return cut(trace.data(), 2, trace.dim(1), frames);
    }

    /** The part as the sample stores it: uint8 video, float32 traces. */
    public static byte[] part(String name, int frames) {
        if (name.equals("video")) {
            float[] values = videoValues(frames);
            byte[] bytes = new byte[values.length];
            for (int i = 0; i < values.length; i++) {
                bytes[i] = (byte) (int) values[i];
            }
            return NpyBytes.uint8(bytes, HEIGHT, WIDTH, frames);
        }
        return NpyBytes.float32(traceValues(name, frames), 2, frames);
    }

    private static float[] cut(float[] data, int rows, int stored, int frames) {
        float[] out = new float[rows * frames];
        for (int r = 0; r < rows; r++) {
            for (int t = 0; t < frames; t++) {
                out[r * frames + t] = data[r * stored + t % stored];
            }
        }
        return out;
    }

    /** Copies of {@code values} for convenience when a test changes some of them. */
    public static float[] copy(float[] values) {
        return Arrays.copyOf(values, values.length);
    }
}
