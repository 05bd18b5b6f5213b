package dwiseneuro.serve.experiments.mei;

import java.util.Arrays;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;

/**
 * The optimisation loop of a most exciting (or most inhibiting) input, every start at once and every
 * array on the device of {@code device}: per step one evaluation of the objective and its gradient, the
 * chain through the constraints, the blur preconditioning and the update. Only the objective values (one
 * number per start) come to the host per step; the best stimuli come back once, at the end.
 */
public final class MeiOptimization {

    /** Called after every step with the objective value of each start (before that step's update). */
    public interface Listener {
        void step(int step, float[] values) throws InterruptedException;
    }

    /**
     * The result: the best stimulus of each start as videos (starts, height, width, frames) in C order,
     * the best objective value per start, the start that did best overall, and the objective of every
     * start at every step.
     */
    public record Run(float[] videos, float[] bestValues, int bestStart, float[][] trace, MeiSettings settings) {

        /** The overall best stimulus, (height, width, frames) in C order (the layout of a clip's video). */
        public float[] bestVideo() {
            int size = settings.height() * settings.width() * settings.frames();
            return Arrays.copyOfRange(videos, bestStart * size, (bestStart + 1) * size);
        }
    }

    private MeiOptimization() {
    }

    public static Run run(Objective objective, MeiSettings settings, NDManager device, Listener listener)
            throws InterruptedException {
        int starts = settings.starts();
        double sign = settings.maximize() ? 1 : -1;
        float[][] trace = new float[settings.steps()][];
        float[] best = new float[starts];
        Arrays.fill(best, Float.NaN);
        try (NDManager state = device.newSubManager();
             Stimulus stimulus = Stimulus.start(settings, state);
             Optimizer optimizer = Optimizer.of(settings.rule(), settings.lr(), state)) {
            NDArray bestPixels = stimulus.pixels(state);
            for (int step = 0; step < settings.steps(); step++) {
                try (NDManager scratch = state.newSubManager()) {
                    NDArray pixels = stimulus.pixels(scratch);
                    Objective.Evaluation evaluation = objective.evaluate(stimulus.videos(pixels, scratch), scratch);
                    float[] values = evaluation.values();
                    trace[step] = values.clone();
                    for (int s = 0; s < starts; s++) {
                        if (Float.isNaN(best[s]) || sign * values[s] > sign * best[s]) {
                            best[s] = values[s];
                            bestPixels.set(new NDIndex("{}", s), pixels.get(new NDIndex("{}", s)));
                        }
                    }
                    NDArray ascent = evaluation.gradient().mul(sign);
                    ascent.attach(scratch);
                    NDArray direction = stimulus.ascent(ascent, pixels, scratch);
                    NDArray preconditioned = GaussianBlur.apply(direction, settings.sigma(step), scratch);
                    stimulus.add(optimizer.step(preconditioned, scratch));
                }
                listener.step(step, trace[step]);
            }
            int bestStart = 0;
            for (int s = 1; s < starts; s++) {
                if (sign * best[s] > sign * best[bestStart]) {
                    bestStart = s;
                }
            }
            try (NDManager scratch = state.newSubManager()) {
                float[] videos = stimulus.videos(bestPixels, scratch).toFloatArray();
                return new Run(videos, best, bestStart, trace, settings);
            }
        }
    }
}
