package dwiseneuro.serve.experiments.analysis;

import org.apache.commons.math3.fitting.leastsquares.LeastSquaresBuilder;
import org.apache.commons.math3.fitting.leastsquares.LeastSquaresOptimizer;
import org.apache.commons.math3.fitting.leastsquares.LevenbergMarquardtOptimizer;
import org.apache.commons.math3.fitting.leastsquares.MultivariateJacobianFunction;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.RealVector;
import org.apache.commons.math3.util.Pair;

/**
 * A 2-D Gaussian fitted to a receptive-field map by least squares (Levenberg-Marquardt):
 *
 * <pre>
 *   m(x, y) = offset + amplitude * exp(-u^2 / (2 sigma_major^2) - v^2 / (2 sigma_minor^2)),
 *   u, v = (x - x0, y - y0) rotated into the major/minor axes
 * </pre>
 * fitted to the map times its polarity (the sign of its largest absolute value), so that OFF fields are
 * fitted as positive bumps. Quality: {@code r2 = 1 - SS_residual / SS_total} over the whole map.
 * Positions are pixel coordinates [x, y] (x the column, y the row, pixel centres at whole numbers);
 * the angle is the major axis's, in degrees counter-clockwise from +x with up positive (the stimulus
 * convention), 0..180.
 */
public record GaussianFit(double x, double y, double sigmaMajor, double sigmaMinor, double angle, double amplitude,
                          double offset, int polarity, double r2, boolean converged) {

    private static final int A = 0;
    private static final int X0 = 1;
    private static final int Y0 = 2;
    private static final int SX = 3;
    private static final int SY = 4;
    private static final int THETA = 5;
    private static final int OFFSET = 6;

    /**
     * @param map     values at points ({@code xs[i]}, {@code ys[i]})
     * @param width   frame width in pixels (bounds the centre)
     * @param height  frame height in pixels
     */
    public static GaussianFit fit(float[] map, double[] xs, double[] ys, int width, int height) {
        int peak = 0;
        for (int i = 1; i < map.length; i++) {
            peak = Math.abs(map[i]) > Math.abs(map[peak]) ? i : peak;
        }
        int polarity = map[peak] < 0 ? -1 : 1;
        double[] target = new double[map.length];
        for (int i = 0; i < map.length; i++) {
            target[i] = polarity * map[i];
        }
        if (target[peak] <= 0) {
            return new GaussianFit(xs[peak], ys[peak], 0, 0, 0, 0, 0, polarity, 0, false);
        }
        double[] start = start(target, xs, ys, peak);
        MultivariateJacobianFunction model = point -> model(point.toArray(), xs, ys);
        LeastSquaresOptimizer.Optimum optimum;
        try {
            optimum = new LevenbergMarquardtOptimizer().optimize(new LeastSquaresBuilder()
                    .start(start).model(model).target(target)
                    .parameterValidator(p -> bounded(p, width, height))
                    .maxEvaluations(400).maxIterations(200).lazyEvaluation(false).build());
        } catch (RuntimeException e) { // no convergence: the peak, flagged
            return new GaussianFit(xs[peak], ys[peak], start[SX], start[SY], 0, target[peak], 0, polarity, 0, false);
        }
        double[] p = optimum.getPoint().toArray();
        double total = 0;
        double mean = 0;
        for (double v : target) {
            mean += v / target.length;
        }
        for (double v : target) {
            total += (v - mean) * (v - mean);
        }
        double residual = optimum.getResiduals().dotProduct(optimum.getResiduals());
        double r2 = total > 0 ? 1 - residual / total : 0;
        double major = Math.abs(p[SX]);
        double minor = Math.abs(p[SY]);
        double theta = -Math.toDegrees(p[THETA]); // image rows point down: flip to the up-positive convention
        if (minor > major) {
            double swap = major;
            major = minor;
            minor = swap;
            theta += 90;
        }
        return new GaussianFit(p[X0], p[Y0], major, minor, ((theta % 180) + 180) % 180, p[A], p[OFFSET], polarity, r2, true);
    }

    /** Start: centre and widths from the moments of the positive part around the peak. */
    private static double[] start(double[] target, double[] xs, double[] ys, int peak) {
        double half = target[peak] / 2;
        double w = 0;
        double mx = 0;
        double my = 0;
        for (int i = 0; i < target.length; i++) {
            if (target[i] >= half) {
                w += target[i];
                mx += target[i] * xs[i];
                my += target[i] * ys[i];
            }
        }
        mx /= w;
        my /= w;
        double vx = 0;
        double vy = 0;
        for (int i = 0; i < target.length; i++) {
            if (target[i] >= half) {
                vx += target[i] * (xs[i] - mx) * (xs[i] - mx);
                vy += target[i] * (ys[i] - my) * (ys[i] - my);
            }
        }
        // Above half maximum a Gaussian's variance is about 0.3 of its own; at least one pixel.
        double sx = Math.max(1, Math.sqrt(vx / w / 0.3));
        double sy = Math.max(1, Math.sqrt(vy / w / 0.3));
        return new double[] {target[peak], mx, my, sx, sy, 0, 0};
    }

    private static RealVector bounded(RealVector p, int width, int height) {
        double[] v = p.toArray();
        v[A] = Math.max(1e-12, v[A]);
        v[X0] = Math.max(-2, Math.min(width + 1, v[X0]));
        v[Y0] = Math.max(-2, Math.min(height + 1, v[Y0]));
        v[SX] = Math.max(0.3, Math.min(width, Math.abs(v[SX])));
        v[SY] = Math.max(0.3, Math.min(width, Math.abs(v[SY])));
        return new ArrayRealVector(v, false);
    }

    /** The model's values and its analytic Jacobian at parameters {@code p}. */
    private static Pair<RealVector, org.apache.commons.math3.linear.RealMatrix> model(double[] p, double[] xs, double[] ys) {
        int n = xs.length;
        double[] values = new double[n];
        double[][] jacobian = new double[n][7];
        double cos = Math.cos(p[THETA]);
        double sin = Math.sin(p[THETA]);
        double sx2 = p[SX] * p[SX];
        double sy2 = p[SY] * p[SY];
        for (int i = 0; i < n; i++) {
            double dx = xs[i] - p[X0];
            double dy = ys[i] - p[Y0];
            double u = dx * cos + dy * sin;
            double v = -dx * sin + dy * cos;
            double e = Math.exp(-u * u / (2 * sx2) - v * v / (2 * sy2));
            double g = p[A] * e;
            values[i] = p[OFFSET] + g;
            jacobian[i][A] = e;
            jacobian[i][X0] = g * (u * cos / sx2 - v * sin / sy2);
            jacobian[i][Y0] = g * (u * sin / sx2 + v * cos / sy2);
            jacobian[i][SX] = g * u * u / (sx2 * p[SX]);
            jacobian[i][SY] = g * v * v / (sy2 * p[SY]);
            jacobian[i][THETA] = g * u * v * (1 / sy2 - 1 / sx2);
            jacobian[i][OFFSET] = 1;
        }
        return new Pair<>(new ArrayRealVector(values, false), new Array2DRowRealMatrix(jacobian, false));
    }
}
