package dwiseneuro.serve.experiments.mei;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * The optimiser against objectives whose constrained optimum is known in closed form: a linear objective
 * <w, x - mean> under the L2 budget B peaks at mean + B w / |w| (and is lowest at mean - B w / |w|); a
 * quadratic -|x - target|^2 peaks at the target when it is feasible, and at the target clipped to 0..255
 * when only the range binds. Every rule, MEI and MEV, with a mask and with blur preconditioning.
 */
class MeiOptimizationTest {

    private static final int H = 36;
    private static final int W = 64;
    private static final double MEAN = 127.5;
    private static NDManager device;

    @BeforeAll
    static void engine() {
        System.setProperty("ai.djl.pytorch.num_threads", "1");
        device = NDManager.newBaseManager(Device.cpu(), Engine.getEngine("PyTorch").getEngineName());
    }

    @AfterAll
    static void close() {
        device.close();
    }

    /** J = sum over pixels and frames of w (x - mean); gradient w. */
    private record Linear(float[] w, int frames) implements Objective {
        @Override
        public Evaluation evaluate(NDArray videos, NDManager into) {
            long starts = videos.getShape().get(0);
            NDArray weights = into.create(w, new Shape(1, H, W, frames));
            NDArray values = videos.sub(MEAN).mul(weights).sum(new int[] {1, 2, 3});
            return new Evaluation(values.toFloatArray(), weights.broadcast(starts, H, W, frames).duplicate());
        }
    }

    /** J = -|x - target|^2 over the video; gradient -2 (x - target). */
    private record Quadratic(float[] target, int frames) implements Objective {
        @Override
        public Evaluation evaluate(NDArray videos, NDManager into) {
            NDArray difference = videos.sub(into.create(target, new Shape(1, H, W, frames)));
            return new Evaluation(difference.square().sum(new int[] {1, 2, 3}).neg().toFloatArray(), difference.mul(-2));
        }
    }

    private static MeiSettings settings(MeiSettings.Kind kind, int frames, MeiSettings.Rule rule, boolean maximize,
                                        double contrast, double blur, float[] mask) {
        double lr = rule == MeiSettings.Rule.ADAM ? 2.0 : 4.0;
        return new MeiSettings(kind, H, W, frames, 2, 11, 150, maximize, rule, lr, contrast, MEAN, blur, 0.5, mask);
    }

    private static float[] smoothPattern(int frames, long seed) {
        Random random = new Random(seed);
        float[] out = new float[H * W * frames];
        double fx = 0.05 + random.nextDouble() * 0.1;
        double fy = 0.05 + random.nextDouble() * 0.1;
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                for (int t = 0; t < frames; t++) {
                    out[(y * W + x) * frames + t] = (float) (Math.sin(2 * Math.PI * (fx * x + fy * y) + 0.3 * t)
                            * Math.exp(-((x - 30) * (x - 30) + (y - 18) * (y - 18)) / 300.0) + 0.2 * random.nextGaussian());
                }
            }
        }
        return out;
    }

    /** cosine between (video - mean) and {@code direction}. */
    private static double cosine(float[] video, float[] direction) {
        double dot = 0;
        double a = 0;
        double b = 0;
        for (int i = 0; i < video.length; i++) {
            double d = video[i] - MEAN;
            dot += d * direction[i];
            a += d * d;
            b += (double) direction[i] * direction[i];
        }
        return dot / Math.sqrt(a * b);
    }

    private static double rms(float[] video) {
        double sum = 0;
        for (float v : video) {
            sum += (v - MEAN) * (v - MEAN);
        }
        return Math.sqrt(sum / video.length);
    }

    /** The MEI's template: w summed over frames, held for every frame. */
    private static float[] heldTemplate(float[] w, int frames) {
        float[] out = new float[w.length];
        for (int p = 0; p < H * W; p++) {
            float sum = 0;
            for (int t = 0; t < frames; t++) {
                sum += w[p * frames + t];
            }
            for (int t = 0; t < frames; t++) {
                out[p * frames + t] = sum;
            }
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(MeiSettings.Rule.class)
    void meiUnderAnL2BudgetAlignsWithALinearTemplateAndItsMinimumAntiAligns(MeiSettings.Rule rule) throws Exception {
        int frames = 4;
        float[] w = smoothPattern(frames, 1);
        float[] template = heldTemplate(w, frames);
        for (boolean maximize : new boolean[] {true, false}) {
            MeiSettings s = settings(MeiSettings.Kind.MEI, frames, rule, maximize, 20, 0, null);
            MeiOptimization.Run run = MeiOptimization.run(new Linear(w, frames), s, device, (step, values) -> { });
            float[] best = run.bestVideo();
            double cos = cosine(best, template);
            System.out.printf("MEI %s %s: cosine with the template %.5f, RMS contrast %.3f (budget 20), objective %.2f -> %.2f%n",
                    rule, maximize ? "max" : "min", cos, rms(best), run.trace()[0][run.bestStart()], run.bestValues()[run.bestStart()]);
            assertTrue(maximize ? cos > 0.999 : cos < -0.999, "cosine " + cos);
            assertEquals(20, rms(best), 0.05, "the optimum lies on the budget");
            for (int p = 0; p < H * W; p++) {
                for (int t = 1; t < frames; t++) {
                    assertEquals(best[p * frames], best[p * frames + t], "an MEI is one image held for every frame");
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(MeiSettings.Rule.class)
    void mevUnderAnL2BudgetAlignsWithAVideoTemplate(MeiSettings.Rule rule) throws Exception {
        int frames = 5;
        float[] w = smoothPattern(frames, 2);
        MeiSettings s = settings(MeiSettings.Kind.MEV, frames, rule, true, 15, 0, null);
        MeiOptimization.Run run = MeiOptimization.run(new Linear(w, frames), s, device, (step, values) -> { });
        double cos = cosine(run.bestVideo(), w);
        System.out.printf("MEV %s: cosine with the template %.5f, RMS contrast %.3f (budget 15)%n", rule, cos, rms(run.bestVideo()));
        assertTrue(cos > 0.999, "cosine " + cos);
        assertEquals(15, rms(run.bestVideo()), 0.05);
    }

    @Test
    void blurPreconditioningLeavesTheOptimumWhereItIs() throws Exception {
        int frames = 2;
        float[] w = smoothPattern(frames, 3);
        MeiSettings s = settings(MeiSettings.Kind.MEI, frames, MeiSettings.Rule.SGD, true, 20, 4.0, null);
        MeiOptimization.Run run = MeiOptimization.run(new Linear(w, frames), s, device, (step, values) -> { });
        double cos = cosine(run.bestVideo(), heldTemplate(w, frames));
        System.out.printf("MEI with blur 4 -> 0.5 px: cosine with the (unblurred) template %.5f%n", cos);
        assertTrue(cos > 0.99, "cosine " + cos);
        assertEquals(4.0, s.sigma(0), 1e-9);
        assertEquals(0.5, s.sigma(s.steps() - 1), 1e-9);
    }

    @Test
    void aMaskHoldsThePixelsOutsideItAtTheMeanLuminance() throws Exception {
        int frames = 2;
        float[] w = smoothPattern(frames, 4);
        float[] mask = new float[H * W];
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                mask[y * W + x] = (x - 40) * (x - 40) + (y - 15) * (y - 15) <= 100 ? 1f : 0f;
            }
        }
        float[] inside = heldTemplate(w, frames);
        for (int i = 0; i < inside.length; i++) {
            inside[i] *= mask[i / frames];
        }
        MeiSettings s = settings(MeiSettings.Kind.MEI, frames, MeiSettings.Rule.ADAM, true, 5, 0, mask);
        float[] best = MeiOptimization.run(new Linear(w, frames), s, device, (step, values) -> { }).bestVideo();
        double cos = cosine(best, inside);
        System.out.printf("masked MEI: cosine with the masked template %.5f%n", cos);
        assertTrue(cos > 0.999, "cosine " + cos);
        for (int i = 0; i < best.length; i++) {
            if (mask[i / frames] == 0f) {
                assertEquals(MEAN, best[i], 1e-4, "pixel " + i + " outside the mask moved");
            }
        }
    }

    @Test
    void aFeasibleTargetIsReachedAndTheRangeClipsAnInfeasibleOne() throws Exception {
        int frames = 1;
        Random random = new Random(5);
        float[] target = new float[H * W];
        for (int i = 0; i < target.length; i++) {
            target[i] = (float) (MEAN + 40 * Math.sin(i * 0.01) + 2 * random.nextGaussian());
        }
        // The budget (RMS 40) is looser than the target's contrast (about 28): the optimum is inside the ball.
        MeiSettings loose = new MeiSettings(MeiSettings.Kind.MEV, H, W, frames, 1, 0, 400, true, MeiSettings.Rule.ADAM,
                2.0, 40, MEAN, 0, 0, null);
        float[] reached = MeiOptimization.run(new Quadratic(target, frames), loose, device, (step, values) -> { }).bestVideo();
        double worst = 0;
        double squares = 0;
        for (int i = 0; i < target.length; i++) {
            worst = Math.max(worst, Math.abs(reached[i] - target[i]));
            squares += (reached[i] - target[i]) * (reached[i] - target[i]);
        }
        double rmsError = Math.sqrt(squares / target.length);
        System.out.printf("quadratic with a feasible target inside the budget: RMS pixel error %.4f, max %.4f%n", rmsError, worst);
        assertTrue(rmsError < 0.25 && worst < 2, "RMS pixel error " + rmsError + ", max " + worst);

        float[] beyond = new float[H * W];
        for (int i = 0; i < beyond.length; i++) {
            beyond[i] = (float) (MEAN + 160 * Math.sin(i * 0.01));
        }
        // Budget RMS 120 against about 100 for the clipped target: only the range binds.
        MeiSettings wide = new MeiSettings(MeiSettings.Kind.MEV, H, W, frames, 1, 0, 400, true, MeiSettings.Rule.ADAM,
                2.0, 120, MEAN, 0, 0, null);
        float[] clipped = MeiOptimization.run(new Quadratic(beyond, frames), wide, device, (step, values) -> { }).bestVideo();
        worst = 0;
        float lowest = Float.MAX_VALUE;
        float highest = -Float.MAX_VALUE;
        for (int i = 0; i < beyond.length; i++) {
            worst = Math.max(worst, Math.abs(clipped[i] - Math.min(255f, Math.max(0f, beyond[i]))));
            lowest = Math.min(lowest, clipped[i]);
            highest = Math.max(highest, clipped[i]);
        }
        System.out.printf("quadratic with a target beyond 0..255: max error to the clipped target %.4f, range %.2f..%.2f%n",
                worst, lowest, highest);
        assertTrue(lowest >= 0 && highest <= 255);
        assertTrue(worst < 2, "max pixel error " + worst);
    }

    @Test
    void seededStartsAreReproducibleAndDiffer() throws Exception {
        int frames = 2;
        float[] w = smoothPattern(frames, 6);
        MeiSettings s = new MeiSettings(MeiSettings.Kind.MEI, H, W, frames, 3, 42, 3, true, MeiSettings.Rule.ADAM,
                1.0, 20, MEAN, 2, 0.5, null);
        MeiOptimization.Run a = MeiOptimization.run(new Linear(w, frames), s, device, (step, values) -> { });
        MeiOptimization.Run b = MeiOptimization.run(new Linear(w, frames), s, device, (step, values) -> { });
        assertArrayEquals(a.videos(), b.videos());
        assertNotEquals(a.trace()[0][0], a.trace()[0][1]);
        float best = a.bestValues()[a.bestStart()];
        for (float v : a.bestValues()) {
            assertTrue(v <= best);
        }
    }
}
