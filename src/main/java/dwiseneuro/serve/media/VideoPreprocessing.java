package dwiseneuro.serve.media;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** What was done to a video file to make the model's input. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(name = "VideoPreprocessing", description = "How an uploaded video file was decoded into the model's input")
public record VideoPreprocessing(
        @Schema(description = "FFmpeg's name of the container", example = "mov,mp4,m4a,3gp,3g2,mj2") String container,
        @Schema(description = "FFmpeg's name of the video codec", example = "h264") String codec,
        @JsonProperty("source_width") @Schema(example = "1280") int sourceWidth,
        @JsonProperty("source_height") @Schema(example = "720") int sourceHeight,
        @JsonProperty("source_fps") @Schema(description = "Frame rate the file declares", example = "60.0") double sourceFps,
        @JsonProperty("source_frames") @Schema(description = "Frames decoded from the file", example = "240") int sourceFrames,
        @Schema(description = "How colour became gray 0..255") String grayscale,
        @Schema(description = "How frames were resized, absent when they already had the model's size",
                example = "1280x720 to 64x36 (width x height), area averaging") String resize,
        @Schema(description = "How the frame rate was converted, absent when it already was the model's",
                example = "60.000 fps to 30 fps: each output frame is the source frame nearest in time (frames dropped or repeated, not blended)")
        String resample,
        @Schema(description = "Frames given to the model", example = "120") int frames,
        @Schema(description = "Frame rate of those frames", example = "30") int fps,
        @Schema(description = "Anything else worth knowing, e.g. a stretched aspect ratio") List<String> notes) {
}
