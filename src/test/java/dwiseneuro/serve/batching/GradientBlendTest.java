package dwiseneuro.serve.batching;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;


import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.JniUtils;
import dwiseneuro.serve.clip.Clip;
import dwiseneuro.serve.clip.InputStacker;
import dwiseneuro.serve.clip.WindowPlan;
import dwiseneuro.serve.ensemble.Member;
import dwiseneuro.serve.testing.TemplateEnsemble;

/**
 * The gradient of the ensemble mean through the sliding-window blend, on the template member (whose
 * response at frame t depends on frame t only, so the exact answer is known per frame): the window
 * weights and the scatter back to frames must give weight[n, t] x d response[n](frame t) / d frame t
 * at every covered frame, whatever the coverage and the member count.
 */
class GradientBlendTest {

    private static final int H = TemplateEnsemble.HEIGHT;
    private static final int W = TemplateEnsemble.WIDTH;
    private static final int TOP = 14;

    private static TemplateEnsemble template;
    private static TemplateEnsemble.Loaded loaded;
    private static PtNDManager root;
    private static Member member;

    @BeforeAll
    static void load() {
        template = TemplateEnsemble.make(3, true);
        loaded = template.loadOnCpu();
        root = loaded.root();
        member = loaded.member();
    }

    @AfterAll
    static void close() {
        loaded.close();
    }

    @Test
    void gradientOfTheEnsembleMeanIsExactAtEveryFrame() {
        int frames = 35;        // windows end at 30..34: coverage 1..5 across the clip
        int members = 2;        // the same member twice: the mean must divide by 2
        int maxBatch = 2;       // windows split over batches: the blend must add across them
        WindowPlan plan = WindowPlan.of(16, 2, "last");
        Random random = new Random(3);
        float[] video = new float[H * W * frames];
        for (int i = 0; i < video.length; i++) {
            video[i] = 127.5f + (float) random.nextGaussian() * 30f;
        }
        float[] weights = new float[template.neurons() * frames];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = random.nextFloat() * 2 - 1;
        }
        Clip clip = new Clip(H, W, frames, video, new float[2 * frames], new float[2 * frames]);
        float[] stacked = new InputStacker(64, 64, 0f).stack(clip);

        boolean before = JniUtils.isGradMode();
        JniUtils.setGradMode(true);
        float[] gradient;
        double objective = 0;
        try (PtNDManager scratch = (PtNDManager) root.newSubManager()) {
            PtNDArray input = (PtNDArray) scratch.create(stacked, new Shape(5, frames, 64, 64));
            PtNDArray scaled = (PtNDArray) scratch.create(weights, new Shape(template.neurons(), frames))
                    .div(scratch.create(GradientBlend.divisor(plan, frames, members), new Shape(1, frames)));
            PtNDArray sum = (PtNDArray) scratch.zeros(new Shape(frames, (long) H * W), DataType.FLOAT32);
            List<Integer> ends = new ArrayList<>();
            for (int end = plan.firstEnd(); end <= plan.lastEnd(frames); end++) {
                ends.add(end);
            }
            for (int m = 0; m < members; m++) {
                for (int from = 0; from < ends.size(); from += maxBatch) {
                    List<Integer> batch = ends.subList(from, Math.min(ends.size(), from + maxBatch));
                    PtNDArray placement = GradientBlend.placement(batch, plan, 0, frames, scratch);
                    List<NDArray> windows = new ArrayList<>();
                    for (int end : batch) {
                        int first = plan.firstFrame(end);
                        windows.add(input.get(new NDIndex(":, {}:{}:{}", first, end + 1, plan.step())));
                    }
                    PtNDArray x = (PtNDArray) ai.djl.ndarray.NDArrays.stack(new ai.djl.ndarray.NDList(windows));
                    Member.InputGradient g = member.inputGradient(x, 0,
                            GradientBlend.windowWeights(scaled, placement, batch.size(), scratch), scratch);
                    objective += g.objective().sum().getFloat();
                    GradientBlend.accumulate(sum, g.gradient(), placement, TOP, 0, H, W);
                }
            }
            gradient = sum.toFloatArray(); // (frames, H x W)
        } finally {
            JniUtils.setGradMode(before);
        }

        double expectedObjective = 0;
        double worst = 0;
        double largest = 0;
        for (int t = 0; t < frames; t++) {
            float[] frame = new float[H * W];
            for (int i = 0; i < H * W; i++) {
                frame[i] = video[i * frames + t];
            }
            double[] expected = new double[H * W];
            for (int n = 0; n < template.neurons(); n++) {
                double weight = weights[n * frames + t];
                expectedObjective += weight * template.response(n, frame);
                double[] g = template.responseGradient(n, frame);
                for (int i = 0; i < g.length; i++) {
                    expected[i] += weight * g[i];
                }
            }
            for (int i = 0; i < H * W; i++) {
                largest = Math.max(largest, Math.abs(expected[i]));
                worst = Math.max(worst, Math.abs(gradient[t * H * W + i] - expected[i]));
            }
        }
        System.out.printf("ensemble-mean gradient through the window blend: objective %.6f (closed form %.6f), "
                + "max error %.2e of the largest entry %.2e%n", objective, expectedObjective, worst / largest, largest);
        assertEquals(expectedObjective, objective, 1e-5 * Math.abs(expectedObjective));
        assertTrue(worst / largest < 1e-5, "max relative error " + worst / largest);
    }
}
