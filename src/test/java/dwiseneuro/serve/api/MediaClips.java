package dwiseneuro.serve.api;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import dwiseneuro.serve.media.NpyArray;
import dwiseneuro.serve.media.NpyReader;
import dwiseneuro.serve.media.NpyWriter;

/** The first frames of the demo sample, as arrays and in the upload formats the media tests need. */
public final class MediaClips {

    public static final Path SAMPLE = Path.of("models/demo/sample");

    private MediaClips() {
    }

    /** The first {@code frames} frames of a sample array (video, behavior or pupil_center), C order. */
    public static NpyArray cut(String name, int frames) {
        try {
            NpyArray array = NpyReader.read(name, Files.readAllBytes(SAMPLE.resolve(name + ".npy")));
            int total = array.dim(array.ndim() - 1);
            int rows = array.data().length / total;
            float[] out = new float[rows * frames];
            for (int r = 0; r < rows; r++) {
                System.arraycopy(array.data(), r * total, out, r * frames, frames);
            }
            int[] shape = array.shape().clone();
            shape[shape.length - 1] = frames;
            return new NpyArray(name, shape, array.dtype(), out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] npy(NpyArray array) {
        return NpyWriter.float32(array.data(), array.shape());
    }

    /** A trace (2, frames) as JSON rows. */
    public static String json(NpyArray trace) {
        int frames = trace.dim(1);
        StringBuilder out = new StringBuilder("[");
        for (int r = 0; r < 2; r++) {
            out.append(r == 0 ? "[" : ", [");
            for (int t = 0; t < frames; t++) {
                out.append(t == 0 ? "" : ", ").append(trace.data()[r * frames + t]);
            }
            out.append(']');
        }
        return out.append(']').toString();
    }

    /** The video (height, width, frames) as raw gray frames, frame after frame (for ffmpeg -f rawvideo). */
    public static byte[] rawGray(NpyArray video) {
        int h = video.dim(0);
        int w = video.dim(1);
        int t = video.dim(2);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int k = 0; k < t; k++) {
            for (int p = 0; p < h * w; p++) {
                out.write(Math.round(video.data()[p * t + k]));
            }
        }
        return out.toByteArray();
    }

    /** Rows (neurons x frames) as one C-order array. */
    public static float[] flat(float[][] rows) {
        int width = rows.length == 0 ? 0 : rows[0].length;
        float[] out = new float[rows.length * width];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, out, r * width, width);
        }
        return out;
    }
}
