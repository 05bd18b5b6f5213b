package dwiseneuro.serve.experiments.protocol;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dwiseneuro.serve.ensemble.Manifest;
import dwiseneuro.serve.experiments.SpecException;

/**
 * The mouse's state held constant during an experiment: behavior (pupil dilation, running speed) and
 * pupil centre (x, y), either given in the spec or the mouse's training means from the manifest.
 */
public record Behavior(double[] behavior, double[] pupilCenter, String behaviorSource, String pupilCenterSource) {

    public static final String FROM_SPEC = "spec";
    public static final String FROM_MANIFEST = "manifest (the mouse's training mean)";

    /** The spec's constants where given, else the manifest's means; a 422 naming the field when neither. */
    public static Behavior resolve(List<Double> behavior, List<Double> pupilCenter, Manifest.Mouse mouse) {
        double[] b = pick("behavior", behavior, mouse.behaviorMean(), "behavior_mean", mouse);
        double[] p = pick("pupil_center", pupilCenter, mouse.pupilCenterMean(), "pupil_center_mean", mouse);
        return new Behavior(b, p, behavior != null ? FROM_SPEC : FROM_MANIFEST, pupilCenter != null ? FROM_SPEC : FROM_MANIFEST);
    }

    private static double[] pick(String field, List<Double> given, List<Double> mean, String key, Manifest.Mouse mouse) {
        List<Double> values = given != null ? given : mean;
        if (values == null) {
            throw new SpecException(field, "the manifest has no " + key + " for mouse " + mouse.id()
                    + "; give two constants, e.g. \"" + field + "\": [0.0, 0.0]");
        }
        if (values.size() != 2 || values.stream().anyMatch(v -> v == null || !Double.isFinite(v))) {
            throw new SpecException(field, "must be two finite numbers, got " + values);
        }
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** The (2, frames) trace of each, constant over time, as a clip holds it. */
    public float[] behaviorTrace(int frames) {
        return trace(behavior, frames);
    }

    public float[] pupilCenterTrace(int frames) {
        return trace(pupilCenter, frames);
    }

    private static float[] trace(double[] values, int frames) {
        float[] trace = new float[2 * frames];
        Arrays.fill(trace, 0, frames, (float) values[0]);
        Arrays.fill(trace, frames, 2 * frames, (float) values[1]);
        return trace;
    }

    /** What the result reports. */
    public Map<String, Object> describe() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("behavior", behavior);
        out.put("behavior_source", behaviorSource);
        out.put("pupil_center", pupilCenter);
        out.put("pupil_center_source", pupilCenterSource);
        return out;
    }
}
