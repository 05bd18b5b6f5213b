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
import dwiseneuro.serve.experiments.stimulus.Surround;

/**
 * Size tuning: per neuron its best direction (the largest response at any radius), the response per
 * radius at that direction, the preferred size (the radius of the largest response) and the surround
 * suppression index {@code SSI = (r_peak - r_largest) / r_peak} on evoked responses
 * {@code r = max(0, response - baseline)}: 0 when the response keeps growing, 1 when the largest
 * grating silences the neuron.
 */
final class SizeTuning extends GratingExperiment {

    private final double[] centre;
    private final double[] radii;
    private final double[] directions;
    private final double sf;
    private final double tf;
    private final Surround surround;
    private final int[] plotted;

    SizeTuning(GratingSetup setup, List<GratingCondition> conditions, double[] centre, double[] radii,
               double[] directions, double sf, double tf, Surround surround, int[] plotted) {
        super(setup.protocol(), setup.timing(), conditions);
        this.centre = centre;
        this.radii = radii;
        this.directions = directions;
        this.sf = sf;
        this.tf = tf;
        this.surround = surround;
        this.plotted = plotted;
    }

    @Override
    public String type() {
        return SizeTuningType.NAME;
    }

    @Override
    protected ExperimentResult analyse(ConditionResponses r) {
        int neurons = r.neurons();
        int sizes = radii.length;
        int d = directions.length;
        float[] curves = new float[neurons * sizes];
        double[] preferredSize = new double[neurons];
        double[] ssi = new double[neurons];
        double[] bestDirection = new double[neurons];
        int largest = 0;
        for (int i = 1; i < sizes; i++) {
            largest = radii[i] > radii[largest] ? i : largest;
        }
        for (int n = 0; n < neurons; n++) {
            int peakCondition = 0;
            for (int c = 1; c < sizes * d; c++) {
                peakCondition = r.response(n, c) > r.response(n, peakCondition) ? c : peakCondition;
            }
            int dir = peakCondition % d;
            int peak = peakCondition / d;
            for (int i = 0; i < sizes; i++) {
                curves[n * sizes + i] = r.response(n, i * d + dir);
            }
            double rPeak = r.evoked(n, peak * d + dir);
            double rLargest = r.evoked(n, largest * d + dir);
            bestDirection[n] = directions[dir];
            preferredSize[n] = radii[peak];
            ssi[n] = rPeak > 0 ? (rPeak - rLargest) / rPeak : 0;
        }
        Map<String, Object> stimulus = new LinkedHashMap<>();
        stimulus.put("kind", "drifting sinusoidal grating in a circular aperture");
        stimulus.put("center_deg", centre);
        stimulus.put("center_px", protocol.display().toPixel(centre[0], centre[1]));
        stimulus.put("radii_deg", radii);
        stimulus.put("directions", directions);
        stimulus.put("spatial_frequency", sf);
        stimulus.put("temporal_frequency", tf);
        stimulus.put("contrast", conditions.get(0).grating().contrast());
        stimulus.put("surround", surround == null ? "gray" : surround);
        return new ResultBuilder(header(stimulus))
                .put("analysis", "Per neuron: the direction of its largest response at any radius; responses[n][i] = response "
                        + "at radii_deg[i] and that direction; preferred_size = the radius of the largest response; "
                        + "surround_suppression = (r_peak - r_largest) / r_peak with r = max(0, response - baseline), "
                        + "r_largest at the largest radius.")
                .vector("radii_deg", radii)
                .vector("directions", directions)
                .matrix("responses", curves, neurons, sizes)
                .vector("baseline", DirectionTuning.toDouble(r.baseline()))
                .vector("preferred_size", preferredSize)
                .vector("surround_suppression", ssi)
                .vector("best_direction", bestDirection)
                .array("responses_all", r.responses(), neurons, sizes, d)
                .plot("size_tuning.png", plot(curves, preferredSize, ssi))
                .build();
    }

    private byte[] plot(float[] curves, double[] preferredSize, double[] ssi) {
        int sizes = radii.length;
        List<TuningCurvePlot.Panel> panels = new ArrayList<>();
        for (int n : plotted) {
            double[][] y = new double[1][sizes];
            for (int i = 0; i < sizes; i++) {
                y[0][i] = curves[n * sizes + i];
            }
            panels.add(new TuningCurvePlot.Panel(String.format(Locale.ROOT, "neuron %d: %.3g deg, SSI %.2f", n,
                    preferredSize[n], ssi[n]), y));
        }
        return TuningCurvePlot.png(protocol.mouse().id() + ": size tuning", "aperture radius (deg)", radii, false,
                new String[] {"response"}, panels);
    }
}
