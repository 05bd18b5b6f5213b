package dwiseneuro.serve.ensemble;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;


import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.JniUtils;
import dwiseneuro.serve.testing.TemplateEnsemble;

/**
 * {@code input_gradient} of a member made at test time (torch 1.13 TorchScript) runs in the service's
 * libtorch through DJL with grad mode on in the calling thread, and equals the closed-form gradient.
 */
class MemberInputGradientTest {

    private static final int BATCH = 2;
    private static final int FRAMES = 16;
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
        assertTrue(member.entry().hasInputGradient());
    }

    @AfterAll
    static void close() {
        loaded.close();
    }

    @Test
    void gradientEqualsTheClosedForm() {
        Random random = new Random(7);
        float[] x = new float[BATCH * 5 * FRAMES * 64 * 64];
        for (int i = 0; i < x.length; i++) {
            x[i] = random.nextFloat() * 255f;
        }
        float[] weights = new float[BATCH * template.neurons() * FRAMES];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = random.nextFloat() * 2 - 1;
        }
        boolean before = JniUtils.isGradMode();
        JniUtils.setGradMode(true);
        try (PtNDManager scratch = (PtNDManager) root.newSubManager()) {
            Member.InputGradient result = member.inputGradient(
                    (PtNDArray) scratch.create(x, new Shape(BATCH, 5, FRAMES, 64, 64)), 0,
                    (PtNDArray) scratch.create(weights, new Shape(BATCH, template.neurons(), FRAMES)), scratch);
            assertEquals(new Shape(BATCH), result.objective().getShape());
            assertEquals(new Shape(BATCH, 5, FRAMES, 64, 64), result.gradient().getShape());
            float[] objective = result.objective().toFloatArray();
            float[] gradient = result.gradient().toFloatArray();

            double worst = 0;
            for (int b = 0; b < BATCH; b++) {
                double expectedObjective = 0;
                float[] expected = new float[5 * FRAMES * 64 * 64];
                for (int s = 0; s < FRAMES; s++) {
                    float[] frame = new float[36 * 64];
                    int offset = ((b * 5) * FRAMES + s) * 64 * 64 + TOP * 64;
                    System.arraycopy(x, offset, frame, 0, frame.length);
                    for (int n = 0; n < template.neurons(); n++) {
                        double w = weights[(b * template.neurons() + n) * FRAMES + s];
                        expectedObjective += w * template.response(n, frame);
                        double[] g = template.responseGradient(n, frame);
                        for (int i = 0; i < g.length; i++) {
                            expected[s * 64 * 64 + TOP * 64 + i] += (float) (w * g[i]);
                        }
                    }
                }
                assertEquals(expectedObjective, objective[b], 1e-4 * Math.max(1, Math.abs(expectedObjective)));
                float[] got = new float[expected.length];
                System.arraycopy(gradient, b * expected.length, got, 0, got.length);
                double scale = 0;
                for (float v : expected) {
                    scale = Math.max(scale, Math.abs(v));
                }
                for (int i = 0; i < got.length; i++) {
                    worst = Math.max(worst, Math.abs(got[i] - expected[i]) / scale);
                }
            }
            System.out.printf("input_gradient through DJL vs closed form: max error %.2e of the largest entry%n", worst);
            assertTrue(worst < 1e-5, "max relative error " + worst);
        } finally {
            JniUtils.setGradMode(before);
        }
    }

    @Test
    void gradientNeedsGradModeInTheCallingThread() {
        boolean before = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (PtNDManager scratch = (PtNDManager) root.newSubManager()) {
            PtNDArray x = (PtNDArray) scratch.zeros(new Shape(1, 5, FRAMES, 64, 64));
            PtNDArray w = (PtNDArray) scratch.ones(new Shape(1, template.neurons(), FRAMES));
            assertThrows(RuntimeException.class, () -> member.inputGradient(x, 0, w, scratch));
            assertFalse(JniUtils.isGradMode());
        } finally {
            JniUtils.setGradMode(before);
        }
    }

    @Test
    void manifestsWithoutMethodsListTheTwoEveryMemberHas() {
        Manifest.MemberEntry legacy = new Manifest.MemberEntry("a.pt", "s", 0, null, null, null, null, null, null, null, null, null, null);
        assertArrayEquals(new Object[]{"features", "readout"}, legacy.exportedMethods().toArray());
        assertFalse(legacy.hasInputGradient());
    }
}
