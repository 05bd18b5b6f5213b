package dwiseneuro.serve.experiments.tuning;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import dwiseneuro.serve.experiments.spec.ResponseSpec;
import dwiseneuro.serve.experiments.spec.TimingSpec;

/** The spec of a size tuning experiment. */
@Schema(name = "SizeTuningSpec", description = "Drifting gratings in circular apertures of increasing radius at one centre "
        + "(gray outside, or an iso/cross-oriented surround grating): per neuron the response per radius at its best "
        + "direction, the preferred size and the surround suppression index. One trial per (radius, direction).",
        example = "{\"type\": \"size_tuning\", \"center_deg\": [0, 0], \"radii_deg\": [5, 10, 20, 40, 60], "
                + "\"directions\": 4, \"behavior\": [29.3, 1.3], \"pupil_center\": [151.8, 149.3]}")
public record SizeTuningSpec(
        @Schema(required = true, enumeration = {"size_tuning"}, example = "size_tuning") String type,
        @Schema(description = "Aperture centre [azimuth, elevation] in degrees (default [0, 0], the screen's centre)",
                example = "[0, 0]")
        @JsonProperty("center_deg") List<Double> centerDeg,
        @Schema(description = "Aperture centre [x, y] in pixels, instead of center_deg (e.g. a neuron's rf_center_px)",
                example = "[31.5, 17.5]")
        @JsonProperty("center_px") List<Double> centerPx,
        @Schema(description = "Aperture radii in degrees (default [2.5, 5, 10, 15, 20, 30, 45, 60, 90])",
                example = "[5, 10, 20, 40, 60]")
        @JsonProperty("radii_deg") List<Double> radiiDeg,
        @Schema(description = "A count (evenly spaced from 0) or a list of degrees (default 4); each neuron's curve is "
                + "taken at its best direction", oneOf = {Integer.class, double[].class}, implementation = Void.class, example = "4")
        JsonNode directions,
        @Schema(description = "Cycles per degree (default 0.04)", example = "0.04")
        @JsonProperty("spatial_frequency") Double spatialFrequency,
        @Schema(description = "Hz (default 2)", example = "2")
        @JsonProperty("temporal_frequency") Double temporalFrequency,
        @Schema(description = "Michelson contrast 0..1 (default 1)", example = "1") Double contrast,
        @Schema(description = "Phase at the screen's centre at onset, degrees (default 0)", example = "0") Double phase,
        @Schema(description = "Gray level, raw 0..255 (default: the mouse's video_mean, else 127.5)", example = "127.5")
        @JsonProperty("mean_luminance") Double meanLuminance,
        @Schema(description = "A grating around the aperture instead of gray (default none)") SurroundSpec surround,
        TimingSpec timing,
        ResponseSpec response,
        @Schema(description = "Constant behavior [pupil dilation, running speed] (default the manifest's behavior_mean)",
                example = "[29.3, 1.3]")
        List<Double> behavior,
        @Schema(description = "Constant pupil centre [x, y] (default the manifest's pupil_center_mean)", example = "[151.8, 149.3]")
        @JsonProperty("pupil_center") List<Double> pupilCenter,
        @Schema(description = "Neuron rows in the plot (default the first 16)", example = "[0, 1, 2, 3]")
        @JsonProperty("plot_neurons") List<Integer> plotNeurons) {

    GratingSetup.Fields fields() {
        return new GratingSetup.Fields(contrast, phase, meanLuminance, timing, response, behavior, pupilCenter);
    }

    /** The surround grating around the aperture. */
    @Schema(name = "Surround", description = "A grating in the annulus from the aperture's edge out to outer_radius_deg "
            + "(default the whole screen): iso (the centre grating continued) or cross (turned by 90 deg)")
    public record SurroundSpec(
            @Schema(required = true, enumeration = {"iso", "cross"}, example = "iso") String orientation,
            @Schema(description = "Outer radius in degrees from the aperture's centre (default: the whole screen)", example = "90")
            @JsonProperty("outer_radius_deg") Double outerRadiusDeg) {
    }
}
