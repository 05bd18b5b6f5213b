package dwiseneuro.serve.experiments.spec;

import com.fasterxml.jackson.annotation.JsonProperty;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** Which frames after stimulus onset measure the response. */
@Schema(name = "ResponseMeasure", description = "The response to a trial is the mean predicted response from "
        + "latency_frames after stimulus onset to stimulus offset, the baseline the mean over the gray frames before onset")
public record ResponseSpec(
        @Schema(description = "Frames after onset left out of the response (the rise)", example = "10")
        @JsonProperty("latency_frames") Integer latencyFrames) {
}
