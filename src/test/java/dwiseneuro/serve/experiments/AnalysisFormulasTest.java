package dwiseneuro.serve.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dwiseneuro.serve.experiments.analysis.DirectionSelectivity;
import dwiseneuro.serve.experiments.analysis.GaussianFit;
import dwiseneuro.serve.experiments.analysis.ResponseWeightedAverage;

/** The analyses against their formulas, on inputs whose answers are known. */
class AnalysisFormulasTest {

    @Test
    void selectivityIndicesFollowTheirDefinitions() {
        double[] directions = {0, 45, 90, 135, 180, 225, 270, 315};
        // baseline 1; evoked 4 at 90, 1 at 270 (null), 2 at 0 and 180 (orthogonal), 0 elsewhere
        double[] responses = {3, 1, 5, 1, 3, 1, 2, 1};
        DirectionSelectivity s = DirectionSelectivity.of(responses, directions, 1);
        assertEquals(90, s.preferredDirection());
        assertEquals(90, s.preferredOrientation());
        assertEquals((4.0 - 1) / (4 + 1), s.dsi(), 1e-12);
        assertEquals((4.0 - 2) / (4 + 2), s.osi(), 1e-12);
        // vector sums: sum r e^(i theta) = 2 + 4i - 2 - 1i = 3i; sum r = 9; sum r e^(2 i theta) = 2 - 4 + 2 - 1 = -1
        assertEquals(3.0 / 9, s.dsiVector(), 1e-12);
        assertEquals(90, s.preferredDirectionVector(), 1e-9);
        assertEquals(1.0 / 9, s.osiVector(), 1e-12);
        assertEquals(90, s.preferredOrientationVector(), 1e-9);
        // a flat curve has no preference: indices 0
        DirectionSelectivity flat = DirectionSelectivity.of(new double[] {2, 2, 2, 2}, new double[] {0, 90, 180, 270}, 2);
        assertEquals(0, flat.dsi());
        assertEquals(0, flat.osi());
        assertEquals(0, flat.dsiVector());
        assertEquals(10, DirectionSelectivity.circularDistance(355, 5), 1e-12);
    }

    @Test
    void theGaussianFitRecoversAKnownField() {
        int w = 64;
        int h = 36;
        double[] xs = new double[w * h];
        double[] ys = new double[w * h];
        float[] map = new float[w * h];
        double x0 = 40.3;
        double y0 = 12.8;
        double major = 3.0;
        double minor = 1.5;
        double angle = 30; // counter-clockwise from +x, up positive
        double a = Math.toRadians(angle);
        SplittableRandom noise = new SplittableRandom(1);
        for (int i = 0; i < map.length; i++) {
            xs[i] = i % w;
            ys[i] = i / w;
            double dx = xs[i] - x0;
            double up = -(ys[i] - y0);
            double u = dx * Math.cos(a) + up * Math.sin(a);
            double v = -dx * Math.sin(a) + up * Math.cos(a);
            map[i] = (float) (-0.8 * Math.exp(-u * u / (2 * major * major) - v * v / (2 * minor * minor))
                    + 0.02 * (noise.nextDouble() - 0.5));
        }
        GaussianFit fit = GaussianFit.fit(map, xs, ys, w, h);
        System.out.printf("fit: [%.3f, %.3f] px, sigma %.3f x %.3f, angle %.1f, polarity %d, r2 %.4f%n", fit.x(), fit.y(),
                fit.sigmaMajor(), fit.sigmaMinor(), fit.angle(), fit.polarity(), fit.r2());
        assertTrue(fit.converged());
        assertEquals(-1, fit.polarity(), "an OFF field");
        assertEquals(x0, fit.x(), 0.02);
        assertEquals(y0, fit.y(), 0.02);
        assertEquals(major, fit.sigmaMajor(), 0.03);
        assertEquals(minor, fit.sigmaMinor(), 0.03);
        assertEquals(angle, fit.angle(), 1.0);
        assertEquals(0.8, fit.amplitude(), 0.01);
        assertTrue(fit.r2() > 0.99);
    }

    @Test
    void theStreamedAverageEqualsTheDirectFormula() {
        int neurons = 3;
        int checks = 5;
        int blocks = 40;
        SplittableRandom random = new SplittableRandom(2);
        float[] responses = new float[neurons * blocks];
        float[] patterns = new float[blocks * checks];
        for (int i = 0; i < responses.length; i++) {
            responses[i] = (float) random.nextDouble();
        }
        for (int i = 0; i < patterns.length; i++) {
            patterns[i] = random.nextBoolean() ? 1 : -1;
        }
        ResponseWeightedAverage streamed = new ResponseWeightedAverage(neurons, checks);
        for (int start = 0; start < blocks; start += 16) { // in uneven parts, as clips arrive
            int count = Math.min(16, blocks - start);
            float[] r = new float[neurons * count];
            float[] s = new float[count * checks];
            for (int n = 0; n < neurons; n++) {
                System.arraycopy(responses, n * blocks + start, r, n * count, count);
            }
            System.arraycopy(patterns, start * checks, s, 0, count * checks);
            streamed.add(r, s, count);
        }
        float[] maps = streamed.finish();
        for (int n = 0; n < neurons; n++) {
            for (int k = 0; k < checks; k++) {
                double mean = 0;
                for (int b = 0; b < blocks; b++) {
                    mean += patterns[b * checks + k] / (double) blocks;
                }
                double num = 0;
                double den = 0;
                for (int b = 0; b < blocks; b++) {
                    num += responses[n * blocks + b] * (patterns[b * checks + k] - mean);
                    den += responses[n * blocks + b];
                }
                assertEquals(num / den, maps[n * checks + k], 1e-5, "neuron " + n + ", check " + k);
            }
        }
    }
}
