package dwiseneuro.serve.api;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dwiseneuro.serve.ensemble.Manifest;

/**
 * What part of the predicted responses a request wants, and in which units: the frame range
 * {@code frames=START:END} (0-based, END exclusive, either side may be left out, as a Python slice
 * without negative indices) and {@code normalize=true}, the competition's normalisation (each neuron
 * divided by its response std from the training data, floored at 1% of the mean std).
 */
public record ResponseSelection(String range, boolean normalize) {

    private static final Pattern RANGE = Pattern.compile("\\s*(\\d*)\\s*:\\s*(\\d*)\\s*");

    /** Fails with 400 on a malformed range, before any inference runs. */
    public ResponseSelection {
        if (range != null && !range.isBlank() && !RANGE.matcher(range).matches()) {
            throw new ProblemException(400, "frames must be START:END (0-based, END exclusive, e.g. 30:90 or 30:), got '"
                    + range + "'");
        }
    }

    /** Fails with 422 when normalisation is asked for and the mouse has no response statistics. */
    public void check(Manifest.Mouse mouse) {
        if (normalize && (mouse.responseStd() == null || mouse.responseStd().isEmpty())) {
            throw new ProblemException(422, "normalize=true needs the response std of mouse " + mouse.id()
                    + ", and this ensemble's manifest has none (its 'response_std' is missing)");
        }
    }

    /** The selected frames [start, end) of a clip of {@code frames} frames; 422 when outside it. */
    public int[] bounds(int frames) {
        if (range == null || range.isBlank()) {
            return new int[] {0, frames};
        }
        Matcher m = RANGE.matcher(range);
        m.matches();
        long start = m.group(1).isEmpty() ? 0 : parse(m.group(1));
        long end = m.group(2).isEmpty() ? frames : parse(m.group(2));
        if (start >= end || end > frames) {
            throw new ProblemException(422, "frames=" + range + " is not a non-empty range inside the clip's "
                    + frames + " frames (0:" + frames + ")");
        }
        return new int[] {(int) start, (int) end};
    }

    private static long parse(String digits) {
        return digits.length() > 10 ? Long.MAX_VALUE : Long.parseLong(digits);
    }

    /** The selected columns of {@code values} (neurons x frames, C order), normalised when asked for. */
    public float[] apply(float[] values, int neurons, int frames, int[] bounds, Manifest.Mouse mouse) {
        int width = bounds[1] - bounds[0];
        float[] out = new float[neurons * width];
        float[] divisor = normalize ? divisors(mouse.responseStd()) : null;
        for (int n = 0; n < neurons; n++) {
            for (int t = 0; t < width; t++) {
                float v = values[n * frames + bounds[0] + t];
                out[n * width + t] = divisor == null ? v : v / divisor[n];
            }
        }
        return out;
    }

    /** The response std per neuron, floored at 0.01 x its nan-mean, as the original solution's normaliser. */
    static float[] divisors(List<Double> std) {
        double sum = 0;
        int count = 0;
        for (Double s : std) {
            if (s != null && !Double.isNaN(s)) {
                sum += s;
                count++;
            }
        }
        double floor = count == 0 ? 0 : 0.01 * sum / count;
        float[] out = new float[std.size()];
        for (int i = 0; i < out.length; i++) {
            double s = std.get(i) == null || Double.isNaN(std.get(i)) ? floor : std.get(i);
            out[i] = (float) Math.max(s, floor);
            if (out[i] <= 0f) {
                out[i] = 1f; // every std is zero: nothing to normalise by
            }
        }
        return out;
    }
}
