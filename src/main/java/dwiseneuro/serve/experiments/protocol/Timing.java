package dwiseneuro.serve.experiments.protocol;

import java.util.LinkedHashMap;
import java.util.Map;

import dwiseneuro.serve.clip.WindowPlan;
import dwiseneuro.serve.experiments.SpecException;

/**
 * One trial's time course in frames: gray, the stimulus, gray; and which frames measure the response.
 *
 * <p>Response of a neuron to a trial: the mean of its predicted response over frames
 * {@code [grayBefore + latency, grayBefore + stimulus)}, i.e. from {@code latency} frames after
 * stimulus onset to its offset. Baseline: the mean over the gray frames before onset,
 * {@code [0, grayBefore)} (none when there are none).
 */
public record Timing(int grayBefore, int stimulus, int grayAfter, int latency) {

    public int frames() {
        return grayBefore + stimulus + grayAfter;
    }

    /** Checks the trial fits the model's window (at least one window long) and the measure fits the stimulus. */
    public Timing check(WindowPlan plan, int maxFrames) {
        if (grayBefore < 0 || grayAfter < 0) {
            throw new SpecException("timing", "gray frames must not be negative, got " + this);
        }
        if (stimulus < 1) {
            throw new SpecException("timing.stimulus_frames", "must be at least 1, got " + stimulus);
        }
        if (latency < 0 || latency >= stimulus) {
            throw new SpecException("response.latency_frames", "must be from 0 to stimulus_frames - 1 ("
                    + (stimulus - 1) + "), got " + latency);
        }
        if (frames() < plan.minLength()) {
            throw new SpecException("timing", "a trial of " + frames() + " frames is shorter than one model window ("
                    + plan.minLength() + " frames); lengthen stimulus_frames or gray_before_frames");
        }
        if (frames() > maxFrames) {
            throw new SpecException("timing", "a trial of " + frames() + " frames is longer than a clip may be ("
                    + maxFrames + ")");
        }
        return this;
    }

    /** Per-neuron response (mean over the response frames) of {@code responses} (neurons x frames, C order). */
    public float[] evoked(float[] responses, int neurons) {
        return mean(responses, neurons, grayBefore + latency, grayBefore + stimulus);
    }

    /** Per-neuron mean over the gray frames before onset; zeros when there are none. */
    public float[] baseline(float[] responses, int neurons) {
        return grayBefore == 0 ? new float[neurons] : mean(responses, neurons, 0, grayBefore);
    }

    private float[] mean(float[] responses, int neurons, int from, int to) {
        int frames = frames();
        float[] out = new float[neurons];
        for (int n = 0; n < neurons; n++) {
            double sum = 0;
            for (int t = from; t < to; t++) {
                sum += responses[n * frames + t];
            }
            out[n] = (float) (sum / (to - from));
        }
        return out;
    }

    /** The response measure, as the result states it. */
    public Map<String, Object> describe(int fps) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("gray_before_frames", grayBefore);
        out.put("stimulus_frames", stimulus);
        out.put("gray_after_frames", grayAfter);
        out.put("latency_frames", latency);
        out.put("response_frames", new int[] {grayBefore + latency, grayBefore + stimulus});
        out.put("baseline_frames", new int[] {0, grayBefore});
        out.put("fps", fps);
        out.put("definition", "response = mean predicted response over frames [gray_before + latency, gray_before + "
                + "stimulus) of each trial (from latency frames after onset to offset); baseline = mean over the gray "
                + "frames [0, gray_before) before onset, averaged over all trials");
        return out;
    }
}
