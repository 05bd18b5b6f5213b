package dwiseneuro.serve.experiments.tuning;

import java.util.List;

import dwiseneuro.serve.clip.WindowPlan;
import dwiseneuro.serve.ensemble.Manifest;
import dwiseneuro.serve.experiments.SpecException;
import dwiseneuro.serve.experiments.display.DisplayGeometry;
import dwiseneuro.serve.experiments.protocol.Behavior;
import dwiseneuro.serve.experiments.protocol.Luminance;
import dwiseneuro.serve.experiments.protocol.Protocol;
import dwiseneuro.serve.experiments.protocol.Timing;
import dwiseneuro.serve.experiments.spec.Checks;
import dwiseneuro.serve.experiments.spec.ResponseSpec;
import dwiseneuro.serve.experiments.spec.TimingSpec;

/**
 * The spec fields every grating experiment shares, checked and resolved: the protocol (gray level,
 * behavior, display), the trial timing and the gratings' contrast and phase.
 */
record GratingSetup(Protocol protocol, Timing timing, double contrast, double phase) {

    /** Trial defaults: 1 s gray, 2 s grating, response from 1/3 s after onset. */
    static final int STIMULUS_FRAMES = 60;
    static final int LATENCY_FRAMES = 10;

    /** The spec fields as given (null: default). */
    record Fields(Double contrast, Double phase, Double meanLuminance, TimingSpec timing, ResponseSpec response,
                  List<Double> behavior, List<Double> pupilCenter) {
    }

    static GratingSetup resolve(Fields fields, Manifest manifest, Manifest.Mouse mouse, int maxFrames) {
        Luminance luminance = Luminance.resolve(fields.meanLuminance(), mouse);
        double contrast = fields.contrast() == null ? 1.0 : fields.contrast();
        luminance.checkContrast("contrast", contrast);
        double phase = Checks.finite("phase", fields.phase(), 0);
        Behavior behavior = Behavior.resolve(fields.behavior(), fields.pupilCenter(), mouse);
        Protocol protocol = Protocol.of(manifest, mouse, luminance, behavior);
        Timing timing = TimingSpec.resolve(fields.timing(), fields.response(), STIMULUS_FRAMES, LATENCY_FRAMES,
                protocol.plan(), maxFrames);
        return new GratingSetup(protocol, timing, contrast, phase);
    }

    /** Spatial frequencies (cycles/deg), each at most the display's Nyquist limit at the screen's centre. */
    static double[] spatialFrequencies(String field, List<Double> given, double[] otherwise, DisplayGeometry display) {
        double nyquist = display.nyquistSpatialFrequency();
        double[] values = Checks.values(field, given, otherwise, 1e-6, Double.MAX_VALUE, "cycles/deg");
        for (int i = 0; i < values.length; i++) {
            if (values[i] > nyquist) {
                throw new SpecException(given == null ? field : field + "[" + i + "]", String.format(java.util.Locale.ROOT,
                        "%.4g cycles/deg is above the display's limit of %.4f cycles/deg (2 pixels per cycle at the "
                        + "screen's centre, where a pixel spans the most visual angle)", values[i], nyquist));
            }
        }
        return values;
    }

    /**
     * Temporal frequencies (Hz) from 0 (static) to the model's Nyquist limit: its window takes every
     * {@code step}-th frame, so it samples at fps / step and sees faster drifts aliased, moving backwards.
     */
    static double[] temporalFrequencies(String field, List<Double> given, double[] otherwise, int fps, WindowPlan plan) {
        double limit = fps / (2.0 * plan.step());
        return Checks.values(field, given, otherwise, 0, limit, "Hz (the model's window takes every " + plan.step()
                + " frames of " + fps + " fps, so " + limit + " Hz is the fastest drift it sees unaliased)");
    }
}
