package dwiseneuro.serve.media;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** Where each input of a clip came from and what was done to it; absent when all were plain .npy arrays. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(name = "Preprocessing", description = "Where each input came from and what the service did to it")
public record Preprocessing(
        @Schema(example = "decoded video file (h264)") String video,
        @JsonProperty("video_file") @Schema(description = "Details of a decoded video file") VideoPreprocessing videoFile,
        @Schema(example = "uploaded JSON") String behavior,
        @JsonProperty("pupil_center")
        @Schema(example = "training mean from the manifest [0.5, 0.1] (not uploaded)") String pupilCenter,
        @Schema(description = "What the caller should know, e.g. that a trace was filled with the training mean")
        List<String> notes) {
}
