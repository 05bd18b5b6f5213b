package dwiseneuro.serve.experiments.tuning;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dwiseneuro.serve.experiments.ExperimentResult;
import dwiseneuro.serve.experiments.ResultBuilder;
import dwiseneuro.serve.experiments.analysis.ConditionResponses;
import dwiseneuro.serve.experiments.analysis.DirectionSelectivity;
import dwiseneuro.serve.experiments.plots.PolarTuningPlot;
import dwiseneuro.serve.experiments.stimulus.Aperture;

/**
 * Direction tuning: per neuron the response to each direction at its best spatial/temporal frequency
 * (the combination with the largest evoked response), and the selectivity of that curve
 * ({@link DirectionSelectivity}).
 */
final class DirectionTuning extends GratingExperiment {

    private final double[] directions;
    private final double[] sfs;
    private final double[] tfs;
    private final Aperture aperture;
    private final int[] plotted;

    DirectionTuning(GratingSetup setup, List<GratingCondition> conditions, double[] directions, double[] sfs,
                    double[] tfs, Aperture aperture, int[] plotted) {
        super(setup.protocol(), setup.timing(), conditions);
        this.directions = directions;
        this.sfs = sfs;
        this.tfs = tfs;
        this.aperture = aperture;
        this.plotted = plotted;
    }

    @Override
    public String type() {
        return DirectionTuningType.NAME;
    }

    @Override
    protected ExperimentResult analyse(ConditionResponses r) {
        int neurons = r.neurons();
        int d = directions.length;
        int combos = sfs.length * tfs.length;
        float[] curves = new float[neurons * d];
        double[][] columns = new double[10][neurons];
        for (int n = 0; n < neurons; n++) {
            int best = bestCombination(r, n, combos, d);
            double[] curve = new double[d];
            for (int k = 0; k < d; k++) {
                curve[k] = r.response(n, best * d + k);
                curves[n * d + k] = (float) curve[k];
            }
            DirectionSelectivity s = DirectionSelectivity.of(curve, directions, r.baseline()[n]);
            double[] row = {s.preferredDirection(), s.preferredOrientation(), s.dsi(), s.osi(), s.preferredDirectionVector(),
                s.preferredOrientationVector(), s.dsiVector(), s.osiVector(), sfs[best / tfs.length], tfs[best % tfs.length]};
            for (int c = 0; c < row.length; c++) {
                columns[c][n] = row[c];
            }
        }
        Map<String, Object> stimulus = new LinkedHashMap<>();
        stimulus.put("kind", "drifting sinusoidal grating");
        stimulus.put("directions", directions);
        stimulus.put("spatial_frequencies", sfs);
        stimulus.put("temporal_frequencies", tfs);
        stimulus.put("contrast", conditions.get(0).grating().contrast());
        stimulus.put("phase", conditions.get(0).grating().phase());
        stimulus.put("aperture", aperture == null ? "full field" : aperture);
        ResultBuilder result = new ResultBuilder(header(stimulus))
                .put("analysis", DirectionSelectivity.DEFINITION + " The curve of each neuron is taken at its best "
                        + "spatial/temporal frequency, the combination with the largest evoked response.")
                .vector("directions", directions)
                .matrix("responses", curves, neurons, d)
                .vector("baseline", toDouble(r.baseline()))
                .vector("preferred_direction", columns[0])
                .vector("preferred_orientation", columns[1])
                .vector("dsi", columns[2])
                .vector("osi", columns[3])
                .vector("preferred_direction_vector", columns[4])
                .vector("preferred_orientation_vector", columns[5])
                .vector("dsi_vector", columns[6])
                .vector("osi_vector", columns[7]);
        if (combos > 1) {
            result.vector("spatial_frequencies", sfs).vector("temporal_frequencies", tfs)
                    .vector("preferred_spatial_frequency", columns[8]).vector("preferred_temporal_frequency", columns[9])
                    .array("responses_all", r.responses(), neurons, sfs.length, tfs.length, d); // (sf, tf, direction) in C order
        }
        result.plot("polar_tuning.png", PolarTuningPlot.png(protocol.mouse().id() + ": direction tuning", directions,
                curves, r.baseline(), plotted, columns[0], columns[2]));
        return result.build();
    }

    /** The frequency combination whose largest evoked response (over directions) is the largest. */
    private static int bestCombination(ConditionResponses r, int n, int combos, int d) {
        int best = 0;
        double bestValue = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < combos; c++) {
            for (int k = 0; k < d; k++) {
                if (r.response(n, c * d + k) > bestValue) {
                    bestValue = r.response(n, c * d + k);
                    best = c;
                }
            }
        }
        return best;
    }

    static double[] toDouble(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = values[i];
        }
        return out;
    }
}
