package dwiseneuro.serve.experiments.tuning;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dwiseneuro.serve.experiments.ExperimentResult;
import dwiseneuro.serve.experiments.ResultBuilder;
import dwiseneuro.serve.experiments.analysis.ConditionResponses;
import dwiseneuro.serve.experiments.plots.TuningCurvePlot;
import dwiseneuro.serve.experiments.stimulus.Aperture;

/**
 * Spatial x temporal frequency tuning: per neuron, its best direction (the largest response summed over
 * the grid), the grid of responses at that direction, and the grid's peak as the preferred spatial and
 * temporal frequency (and their ratio, the preferred speed in deg/s).
 */
final class FrequencyTuning extends GratingExperiment {

    private final double[] sfs;
    private final double[] tfs;
    private final double[] directions;
    private final Aperture aperture;
    private final int[] plotted;

    FrequencyTuning(GratingSetup setup, List<GratingCondition> conditions, double[] sfs, double[] tfs,
                    double[] directions, Aperture aperture, int[] plotted) {
        super(setup.protocol(), setup.timing(), conditions);
        this.sfs = sfs;
        this.tfs = tfs;
        this.directions = directions;
        this.aperture = aperture;
        this.plotted = plotted;
    }

    @Override
    public String type() {
        return FrequencyTuningType.NAME;
    }

    @Override
    protected ExperimentResult analyse(ConditionResponses r) {
        int neurons = r.neurons();
        int s = sfs.length;
        int t = tfs.length;
        int d = directions.length;
        float[] grids = new float[neurons * s * t];
        double[] bestDirection = new double[neurons];
        double[] preferredSf = new double[neurons];
        double[] preferredTf = new double[neurons];
        double[] speed = new double[neurons];
        for (int n = 0; n < neurons; n++) {
            int dir = bestDirection(r, n, s * t, d);
            int peak = 0;
            for (int c = 0; c < s * t; c++) {
                grids[n * s * t + c] = r.response(n, c * d + dir);
                if (grids[n * s * t + c] > grids[n * s * t + peak]) {
                    peak = c;
                }
            }
            bestDirection[n] = directions[dir];
            preferredSf[n] = sfs[peak / t];
            preferredTf[n] = tfs[peak % t];
            speed[n] = preferredTf[n] / preferredSf[n];
        }
        Map<String, Object> stimulus = new LinkedHashMap<>();
        stimulus.put("kind", "drifting sinusoidal grating");
        stimulus.put("spatial_frequencies", sfs);
        stimulus.put("temporal_frequencies", tfs);
        stimulus.put("directions", directions);
        stimulus.put("contrast", conditions.get(0).grating().contrast());
        stimulus.put("aperture", aperture == null ? "full field" : aperture);
        return new ResultBuilder(header(stimulus))
                .put("analysis", "Per neuron: the direction with the largest response summed over the grid; responses[n][i][j] "
                        + "= response at spatial_frequencies[i], temporal_frequencies[j] and that direction; the preferred "
                        + "spatial and temporal frequency are the grid's peak; preferred_speed = preferred TF / preferred SF (deg/s).")
                .vector("spatial_frequencies", sfs)
                .vector("temporal_frequencies", tfs)
                .vector("directions", directions)
                .tensor("responses", grids, neurons, s, t)
                .vector("baseline", DirectionTuning.toDouble(r.baseline()))
                .vector("preferred_spatial_frequency", preferredSf)
                .vector("preferred_temporal_frequency", preferredTf)
                .vector("preferred_speed", speed)
                .vector("best_direction", bestDirection)
                .array("responses_all", r.responses(), neurons, s, t, d)
                .plot("frequency_tuning.png", plot(grids, preferredSf, preferredTf))
                .build();
    }

    private static int bestDirection(ConditionResponses r, int n, int cells, int d) {
        int best = 0;
        double bestSum = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < d; k++) {
            double sum = 0;
            for (int c = 0; c < cells; c++) {
                sum += r.response(n, c * d + k);
            }
            if (sum > bestSum) {
                bestSum = sum;
                best = k;
            }
        }
        return best;
    }

    /** Spatial frequency tuning curves, one per temporal frequency, for the plotted neurons. */
    private byte[] plot(float[] grids, double[] preferredSf, double[] preferredTf) {
        int s = sfs.length;
        int t = tfs.length;
        String[] names = new String[t];
        for (int j = 0; j < t; j++) {
            names[j] = String.format(Locale.ROOT, "%g Hz", tfs[j]);
        }
        List<TuningCurvePlot.Panel> panels = new ArrayList<>();
        for (int n : plotted) {
            double[][] y = new double[t][s];
            for (int i = 0; i < s; i++) {
                for (int j = 0; j < t; j++) {
                    y[j][i] = grids[(n * s + i) * t + j];
                }
            }
            panels.add(new TuningCurvePlot.Panel(String.format(Locale.ROOT, "neuron %d: %.3g c/deg, %.3g Hz", n,
                    preferredSf[n], preferredTf[n]), y));
        }
        return TuningCurvePlot.png(protocol.mouse().id() + ": spatial frequency tuning", "cycles/deg", sfs,
                sfs.length > 1, names, panels);
    }
}
