package dwiseneuro.serve.experiments.mei;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonProperty;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import dwiseneuro.serve.experiments.spec.ApertureSpec;

/** The spec of a most exciting (or most inhibiting) input search. */
@Schema(name = "MostExcitingSpec", description = "Searches the stimulus that drives the chosen neurons hardest (or, with "
        + "maximize false, least): J = sum over the neurons of weight x their mean ensemble response over the target "
        + "frames, climbed by gradient steps through the members' input_gradient, within the pixel range 0..255 and an "
        + "RMS-contrast budget around the mean luminance. MEI: one image held for every frame; MEV: a video.",
        example = "{\"type\": \"most_exciting\", \"neurons\": [0], \"steps\": 100, \"kind\": \"mei\", \"contrast\": 25, "
                + "\"behavior\": [29.3, 1.3], \"pupil_center\": [151.8, 149.3]}")
public record MostExcitingSpec(
        @Schema(required = true, enumeration = {"most_exciting"}, example = "most_exciting") String type,
        @Schema(required = true, description = "Neuron row indices of the objective", example = "[0]") List<Integer> neurons,
        @Schema(description = "One weight per neuron (default 1 / the number of neurons: their mean)", example = "[1.0]")
        List<Double> weights,
        @Schema(description = "Gradient steps (default 100)", example = "100") Integer steps,
        @Schema(description = "true: most exciting; false: most inhibiting (default true)", example = "true") Boolean maximize,
        @Schema(description = "mei: one image held for every frame (the gradient summed over frames); mev: a video "
                + "(default mei)", enumeration = {"mei", "mev"}, example = "mei") String kind,
        @Schema(description = "Frames of the stimulus clip (default 40; 31, one window, to 300)", example = "40")
        Integer length,
        @Schema(description = "Target frames START:END of the clip whose mean response is the objective (0-based, END "
                + "exclusive; default 30:, from the first frame a whole window has seen)", example = "30:") String frames,
        @Schema(description = "adam or sgd (default adam)", enumeration = {"adam", "sgd"}, example = "adam") String optimizer,
        @Schema(description = "Learning rate in pixel units: Adam's step per pixel, SGD's RMS step (default 1.5)", example = "1.5")
        Double lr,
        @Schema(description = "RMS contrast budget in pixel units: the L2 norm of stimulus - mean luminance is at most "
                + "contrast x sqrt(pixels of the stimulus) (default 25)", example = "25") Double contrast,
        @Schema(description = "Gray level the budget is around, raw 0..255 (default the mouse's video_mean, else 127.5)",
                example = "127.5")
        @JsonProperty("mean_luminance") Double meanLuminance,
        @Schema(description = "Gaussian blur of the gradient (preconditioning)") Blur blur,
        @Schema(description = "Optimise only inside this circle (great-circle radius in degrees); mean luminance outside")
        ApertureSpec mask,
        @Schema(description = "Independent seeded starts, optimised together; the best is the result (default 2)", example = "2")
        Integer starts,
        @Schema(description = "Seed of the first start (start i uses seed + i; default 0)", example = "0") Long seed,
        @Schema(description = "Constant behavior [pupil dilation, running speed] (default the manifest's behavior_mean)",
                example = "[0, 0]")
        List<Double> behavior,
        @Schema(description = "Constant pupil centre [x, y] (default the manifest's pupil_center_mean)", example = "[0, 0]")
        @JsonProperty("pupil_center") List<Double> pupilCenter,
        @Schema(description = "Natural clips to compare with: base64 of .npy videos (36, 64, frames), raw 0..255, each at "
                + "least as long as the target frames need; the result gives the objective on each and how much the "
                + "optimum beats the best of them")
        List<String> natural) {

    /** Blur preconditioning: sigma in pixels at the first step, decaying geometrically to sigma_end at the last. */
    @Schema(name = "MostExcitingBlur", description = "Gaussian blur of the gradient; sigma 0 turns it off")
    public record Blur(
            @Schema(description = "Pixels at the first step (default 2)", example = "2") Double sigma,
            @Schema(description = "Pixels at the last step (default 0.5)", example = "0.5")
            @JsonProperty("sigma_end") Double sigmaEnd) {
    }
}
