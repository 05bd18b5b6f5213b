package dwiseneuro.serve.experiments.stimulus;

import java.util.Arrays;

/** A uniform screen at one luminance: the gray before and after a stimulus, or a blank. */
public record Gray(double luminance, int frames) implements Stimulus {

    @Override
    public void frame(int t, float[] out) {
        Arrays.fill(out, (float) luminance);
    }
}
