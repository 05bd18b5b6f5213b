package dwiseneuro.serve.api;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** Predicted responses of one mouse's neurons to one clip, averaged over the ensemble's members. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(name = "Responses", description = "Per-neuron responses, ensemble mean, neurons x frames")
public record ResponsesResult(
        @Schema(description = "Mouse id", example = "demo-mouse-1") String mouse,
        @Schema(description = "Number of neurons (rows of responses)", example = "37") int neurons,
        @Schema(description = "Number of frames (columns of responses): the clip's, after trailing NaN padding was cut, or the frames=START:END range's", example = "120") int frames,
        @Schema(description = "Frame rate of the frames", example = "30") int fps,
        @Schema(description = "Members (folds x stages) averaged", example = "2") int members,
        @Schema(description = "Ensemble name", example = "demo") String ensemble,
        @JsonProperty("unit_ids") @Schema(description = "Neuron unit ids in row order, when the manifest has them") List<Long> unitIds,
        @Schema(description = "Responses, neurons x frames") float[][] responses,
        @JsonProperty("first_frame") @Schema(description = "Index in the clip of the first column (the start of frames=START:END)",
                example = "0") int firstFrame,
        @Schema(description = "True when the responses were divided by the neurons' response std (normalize=true)")
        Boolean normalized,
        @Schema(description = "Where the inputs came from and what was done to them; absent when all three were plain .npy arrays")
        dwiseneuro.serve.media.Preprocessing preprocessing) {
}
