package dwiseneuro.serve.experiments.rf;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonProperty;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The spec of a receptive-field mapping experiment. */
@Schema(name = "ReceptiveFieldsSpec", description = "Noise mapping: seeded binary white noise or sparse noise of square "
        + "checks, a new pattern every block_frames frames, shown in clips of clip_frames; per neuron the "
        + "response-weighted average of the noise (the map) and a 2-D Gaussian fitted to it (centre in pixels and "
        + "degrees, widths, angle, fit quality). DwiseNeuro pools over space, so receptive fields show only through "
        + "stimuli like these.",
        example = "{\"type\": \"receptive_fields\", \"noise\": \"white\", \"frames\": 3600, \"block_frames\": 3, "
                + "\"check_px\": 6, \"latency_frames\": 2, \"seed\": 1, \"behavior\": [29.3, 1.3], "
                + "\"pupil_center\": [151.8, 149.3]}")
public record ReceptiveFieldsSpec(
        @Schema(required = true, enumeration = {"receptive_fields"}, example = "receptive_fields") String type,
        @Schema(description = "\"white\" (every check bright or dark; default) or \"sparse\" (a few checks per block on gray)",
                enumeration = {"white", "sparse"}, example = "white")
        String noise,
        @Schema(description = "Noise frames in all (default 3000, 100 s); rounded up to whole blocks", example = "1800")
        Integer frames,
        @Schema(description = "Frames each pattern is shown (default 6, 200 ms at 30 fps)", example = "6")
        @JsonProperty("block_frames") Integer blockFrames,
        @Schema(description = "Check size in pixels (default 2; a pixel is 3.4 deg at the centre of the Sensorium screen)",
                example = "2")
        @JsonProperty("check_px") Integer checkPx,
        @Schema(description = "Sparse noise: checks per block (default 4)", example = "4") Integer spots,
        @Schema(description = "Michelson contrast of the checks about the mean, 0..1 (default 1)", example = "1")
        Double contrast,
        @Schema(description = "Seed of the noise (default 0); the same seed gives the same noise", example = "1") Long seed,
        @Schema(description = "A block's response: the mean over frames [onset + latency_frames, onset + latency_frames + "
                + "block_frames) (default 0)", example = "0")
        @JsonProperty("latency_frames") Integer latencyFrames,
        @Schema(description = "Noise frames per clip (default 600); each clip is submitted on its own", example = "600")
        @JsonProperty("clip_frames") Integer clipFrames,
        @Schema(description = "Gray level, raw 0..255 (default: the mouse's video_mean, else 127.5)", example = "127.5")
        @JsonProperty("mean_luminance") Double meanLuminance,
        @Schema(description = "Constant behavior [pupil dilation, running speed] (default the manifest's behavior_mean)",
                example = "[29.3, 1.3]")
        List<Double> behavior,
        @Schema(description = "Constant pupil centre [x, y] (default the manifest's pupil_center_mean)", example = "[151.8, 149.3]")
        @JsonProperty("pupil_center") List<Double> pupilCenter,
        @Schema(description = "Neuron rows in the mosaic (default the first 64)", example = "[0, 1, 2, 3]")
        @JsonProperty("plot_neurons") List<Integer> plotNeurons) {
}
