package dwiseneuro.serve.api;

import java.util.List;

import dwiseneuro.serve.clip.FrameRange;
import dwiseneuro.serve.ensemble.Manifest;

/**
 * What part of the predicted responses a request wants, and in which units: the frame range
 * {@code frames=START:END} (0-based, END exclusive, either side may be left out, as a Python slice
 * without negative indices) and {@code normalize=true}, the competition's normalisation as the original
 * solution's ResponseNormalizer computes it: responses times {@code 1 / std}, the std floored at
 * {@code 0.01 * nanmean(std)} (NaN std take the floor), with the per-frame std
 * ({@code precision[..., :frames]}) when the manifest has one, else one std per neuron.
 */
public record ResponseSelection(String range, boolean normalize) {

    /** Fails with 400 on a malformed range, before any inference runs. */
    public ResponseSelection {
        if (range != null && !range.isBlank() && !FrameRange.wellFormed(range)) {
            throw new ProblemException(400, "frames must be START:END (0-based, END exclusive, e.g. 30:90 or 30:), got '"
                    + range + "'");
        }
    }

    /** Fails with 422 when normalisation is asked for and the mouse has no response statistics. */
    public void check(Manifest.Mouse mouse) {
        if (normalize && mouse.responseStdFrames() == null && (mouse.responseStd() == null || mouse.responseStd().isEmpty())) {
            throw new ProblemException(422, "normalize=true needs the response std of mouse " + mouse.id()
                    + ", and this ensemble's manifest has none (its 'response_std' is missing)");
        }
    }

    /**
     * The selected frames [start, end) of a clip of {@code frames} frames; 422 when outside it, or when a
     * per-frame std to normalise by is shorter than the clip.
     */
    public int[] bounds(int frames, Manifest.Mouse mouse) {
        Manifest.PerFrameStd perFrame = mouse.responseStdFrames();
        if (normalize && perFrame != null && perFrame.frames() < frames && perFrame.frames() > 1) {
            throw new ProblemException(422, "normalize=true divides frame by frame by the per-frame response std of mouse "
                    + mouse.id() + ", which has " + perFrame.frames() + " frames; this clip has " + frames);
        }
        if (range == null || range.isBlank()) {
            return new int[] {0, frames};
        }
        long[] startEnd = FrameRange.bounds(range, frames);
        long start = startEnd[0];
        long end = startEnd[1];
        if (start >= end || end > frames) {
            throw new ProblemException(422, "frames=" + range + " is not a non-empty range inside the clip's "
                    + frames + " frames (0:" + frames + ")");
        }
        return new int[] {(int) start, (int) end};
    }

    /** The selected columns of {@code values} (neurons x frames, C order), normalised when asked for. */
    public float[] apply(float[] values, int neurons, int frames, int[] bounds, Manifest.Mouse mouse) {
        int width = bounds[1] - bounds[0];
        float[] out = new float[neurons * width];
        Manifest.PerFrameStd perFrame = normalize ? mouse.responseStdFrames() : null;
        // precision[n][t] is at n * columns + t, or n * columns when the std has one column
        int columns = perFrame != null ? perFrame.frames() : 1;
        float[] precision = !normalize ? null : perFrame != null ? precision(perFrame.values()) : precision(floats(mouse.responseStd()));
        for (int n = 0; n < neurons; n++) {
            for (int t = 0; t < width; t++) {
                float v = values[n * frames + bounds[0] + t];
                out[n * width + t] = precision == null ? v : v * precision[n * columns + (columns == 1 ? 0 : bounds[0] + t)];
            }
        }
        return out;
    }

    /**
     * The original's ResponseNormalizer: {@code threshold = 0.01 * nanmean(std)}; {@code 1 / std} where
     * {@code std > threshold}, else {@code 1 / threshold} (NaN std included), in float32 as numpy computes it.
     */
    static float[] precision(float[] std) {
        double sum = 0;
        int count = 0;
        for (float s : std) {
            if (!Float.isNaN(s)) {
                sum += s;
                count++;
            }
        }
        float threshold = (float) (0.01 * (float) (sum / Math.max(count, 1)));
        float[] out = new float[std.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = std[i] > threshold ? 1f / std[i] : threshold > 0 ? 1f / threshold : 1f; // all zero: nothing to normalise by
        }
        return out;
    }

    private static float[] floats(List<Double> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i) == null ? Float.NaN : values.get(i).floatValue();
        }
        return out;
    }
}
