package dwiseneuro.serve.experiments.stimulus;

import java.util.List;

/** Stimuli shown one after the other, e.g. gray, a grating, gray. */
public record Sequence(List<Stimulus> parts) implements Stimulus {

    /** {@code stimulus} with {@code before} and {@code after} frames of gray at {@code mean} around it. */
    public static Sequence withGray(int before, Stimulus stimulus, int after, double mean) {
        return new Sequence(List.of(new Gray(mean, before), stimulus, new Gray(mean, after)));
    }

    @Override
    public int frames() {
        return parts.stream().mapToInt(Stimulus::frames).sum();
    }

    @Override
    public void frame(int t, float[] out) {
        for (Stimulus part : parts) {
            if (t < part.frames()) {
                part.frame(t, out);
                return;
            }
            t -= part.frames();
        }
        throw new IndexOutOfBoundsException("frame " + t + " past the end");
    }
}
