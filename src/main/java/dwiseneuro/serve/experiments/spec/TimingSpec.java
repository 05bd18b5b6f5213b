package dwiseneuro.serve.experiments.spec;

import com.fasterxml.jackson.annotation.JsonProperty;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import dwiseneuro.serve.clip.WindowPlan;
import dwiseneuro.serve.experiments.protocol.Timing;

/** A trial's time course in frames at the ensemble's frame rate. */
@Schema(name = "TrialTiming", description = "One trial (clip) per condition: gray, the stimulus, gray; in frames at the "
        + "ensemble's frame rate (30 fps). A trial must be at least one model window (31 frames) long.")
public record TimingSpec(
        @Schema(description = "Gray frames before the stimulus; their mean response is the baseline", defaultValue = "30",
                example = "30")
        @JsonProperty("gray_before_frames") Integer grayBeforeFrames,
        @Schema(description = "Frames of stimulus", example = "60")
        @JsonProperty("stimulus_frames") Integer stimulusFrames,
        @Schema(description = "Gray frames after the stimulus", defaultValue = "0", example = "0")
        @JsonProperty("gray_after_frames") Integer grayAfterFrames) {

    /**
     * The timing with defaults filled in (latency {@code defaultLatency}, at most a third of the stimulus),
     * checked against the model's window and the clip limit.
     */
    public static Timing resolve(TimingSpec spec, ResponseSpec response, int defaultStimulus, int defaultLatency,
                                 WindowPlan plan, int maxFrames) {
        TimingSpec s = spec == null ? new TimingSpec(null, null, null) : spec;
        int stimulus = s.stimulusFrames == null ? defaultStimulus : s.stimulusFrames;
        // by default at most a third of a short stimulus is left out
        int latency = response == null || response.latencyFrames() == null ? Math.min(defaultLatency, stimulus / 3)
                : response.latencyFrames();
        return new Timing(s.grayBeforeFrames == null ? 30 : s.grayBeforeFrames, stimulus,
                s.grayAfterFrames == null ? 0 : s.grayAfterFrames, latency).check(plan, maxFrames);
    }
}
