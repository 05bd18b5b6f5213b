package dwiseneuro.serve.experiments.stimulus;

import java.util.Arrays;
import java.util.List;

/** Full-field luminance steps: each level (raw 0..255) held for {@code framesPerLevel} frames, in order. */
public record LuminanceSteps(List<Double> levels, int framesPerLevel) implements Stimulus {

    @Override
    public int frames() {
        return levels.size() * framesPerLevel;
    }

    @Override
    public void frame(int t, float[] out) {
        Arrays.fill(out, levels.get(t / framesPerLevel).floatValue());
    }
}
