package dwiseneuro.serve.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import dwiseneuro.serve.media.NpyArray;
import dwiseneuro.serve.media.NpyReader;
import dwiseneuro.serve.media.NpyWriter;

/** The demo sample clip, cut or padded for tests, as .npy bytes. */
public final class ClipFiles {

    public static final Path SAMPLE = Path.of("models/demo/sample");

    public final byte[] video;
    public final byte[] behavior;
    public final byte[] pupilCenter;

    private ClipFiles(byte[] video, byte[] behavior, byte[] pupilCenter) {
        this.video = video;
        this.behavior = behavior;
        this.pupilCenter = pupilCenter;
    }

    /** The first {@code frames} frames of the sample, followed by {@code nanPadding} NaN frames. */
    public static ClipFiles sample(int frames, int nanPadding) {
        return new ClipFiles(cut("video.npy", frames, nanPadding), cut("behavior.npy", frames, nanPadding),
                cut("pupil_center.npy", frames, nanPadding));
    }

    private static byte[] cut(String file, int frames, int nanPadding) {
        try {
            NpyArray array = NpyReader.read(file, Files.readAllBytes(SAMPLE.resolve(file)));
            int total = array.dim(array.ndim() - 1);
            int rows = array.data().length / total;
            int length = frames + nanPadding;
            float[] out = new float[rows * length];
            Arrays.fill(out, Float.NaN);
            for (int r = 0; r < rows; r++) {
                System.arraycopy(array.data(), r * total, out, r * length, frames);
            }
            int[] shape = array.shape().clone();
            shape[shape.length - 1] = length;
            return NpyWriter.float32(out, shape);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
