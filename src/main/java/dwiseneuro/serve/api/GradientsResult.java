package dwiseneuro.serve.api;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The objective and its gradient with respect to the video's pixels. */
@Schema(name = "Gradients", description = "J and dJ / dvideo, shaped like the uploaded video (36 x 64 x frames)")
public record GradientsResult(
        @Schema(description = "Mouse id", example = "demo-mouse-1") String mouse,
        @Schema(description = "J: sum over the chosen neurons and frames of weight x the ensemble-mean response",
                example = "12.5") float objective,
        @Schema(description = "Video rows", example = "36") int height,
        @Schema(description = "Video columns", example = "64") int width,
        @Schema(description = "Frames of the clip (after trailing NaN padding was cut)", example = "60") int frames,
        @Schema(description = "Members averaged", example = "4") int members,
        @Schema(description = "dJ / dvideo[y][x][t] in response units per pixel-value unit, height x width x frames")
        float[][][] gradient) {
}
