package dwiseneuro.serve.experiments.analysis;

/**
 * Direction and orientation selectivity of one tuning curve. Every index uses the evoked responses
 * {@code r_k = max(0, R_k - baseline)} at directions {@code theta_k}.
 *
 * <ul>
 * <li>Preferred direction: the direction of the largest response, {@code theta_p}; preferred
 * orientation: its axis of motion, {@code theta_p mod 180}.</li>
 * <li>{@code DSI = (r_p - r_null) / (r_p + r_null)}, {@code r_null} the response at the direction
 * nearest to {@code theta_p + 180}.</li>
 * <li>{@code OSI = (r_p - r_orth) / (r_p + r_orth)}, {@code r_orth} the mean response at the
 * directions nearest to {@code theta_p + 90} and {@code theta_p - 90} (Niell and Stryker 2008).</li>
 * <li>Vector-sum forms (unbiased for evenly spaced directions): {@code dsi_vector = |sum r_k
 * exp(i theta_k)| / sum r_k}, {@code osi_vector = |sum r_k exp(2 i theta_k)| / sum r_k} (1 - circular
 * variance); preferred direction {@code arg sum r_k exp(i theta_k)}, preferred orientation
 * {@code arg(sum r_k exp(2 i theta_k)) / 2 mod 180}.</li>
 * </ul>
 * A curve with no evoked response has indices 0.
 */
public record DirectionSelectivity(double preferredDirection, double preferredOrientation, double dsi, double osi,
                                   double preferredDirectionVector, double preferredOrientationVector,
                                   double dsiVector, double osiVector) {

    public static final String DEFINITION = "r_k = max(0, response_k - baseline). preferred_direction: direction of the "
            + "largest response theta_p; preferred_orientation: theta_p mod 180 (the axis of motion). "
            + "dsi = (r_p - r_null) / (r_p + r_null), r_null at the direction nearest theta_p + 180. "
            + "osi = (r_p - r_orth) / (r_p + r_orth), r_orth the mean at the directions nearest theta_p +- 90. "
            + "Vector sums: dsi_vector = |sum r_k e^(i theta_k)| / sum r_k, osi_vector = |sum r_k e^(2i theta_k)| / sum r_k, "
            + "preferred_direction_vector = arg sum r_k e^(i theta_k), preferred_orientation_vector = "
            + "arg(sum r_k e^(2i theta_k)) / 2 mod 180.";

    /** @param responses mean responses at {@code directions} (degrees) */
    public static DirectionSelectivity of(double[] responses, double[] directions, double baseline) {
        int n = directions.length;
        double[] r = new double[n];
        int peak = 0;
        for (int k = 0; k < n; k++) {
            r[k] = Math.max(0, responses[k] - baseline);
            if (responses[k] > responses[peak]) {
                peak = k;
            }
        }
        double pref = directions[peak];
        double rp = r[peak];
        double rNull = r[nearest(directions, pref + 180)];
        double rOrth = (r[nearest(directions, pref + 90)] + r[nearest(directions, pref - 90)]) / 2;
        double sum = 0;
        double c1 = 0;
        double s1 = 0;
        double c2 = 0;
        double s2 = 0;
        for (int k = 0; k < n; k++) {
            double theta = Math.toRadians(directions[k]);
            sum += r[k];
            c1 += r[k] * Math.cos(theta);
            s1 += r[k] * Math.sin(theta);
            c2 += r[k] * Math.cos(2 * theta);
            s2 += r[k] * Math.sin(2 * theta);
        }
        return new DirectionSelectivity(pref, pref % 180, ratio(rp - rNull, rp + rNull), ratio(rp - rOrth, rp + rOrth),
                wrap(Math.toDegrees(Math.atan2(s1, c1)), 360), wrap(Math.toDegrees(Math.atan2(s2, c2)) / 2, 180),
                ratio(Math.hypot(c1, s1), sum), ratio(Math.hypot(c2, s2), sum));
    }

    /** Index of the direction circularly nearest to {@code degrees}. */
    static int nearest(double[] directions, double degrees) {
        int best = 0;
        for (int k = 1; k < directions.length; k++) {
            if (circularDistance(directions[k], degrees) < circularDistance(directions[best], degrees)) {
                best = k;
            }
        }
        return best;
    }

    /** Absolute difference of two directions, 0..180 degrees. */
    public static double circularDistance(double a, double b) {
        double d = Math.abs(wrap(a - b, 360));
        return Math.min(d, 360 - d);
    }

    private static double wrap(double degrees, double period) {
        double w = degrees % period;
        return w < 0 ? w + period : w;
    }

    private static double ratio(double numerator, double denominator) {
        return denominator > 0 ? numerator / denominator : 0;
    }
}
