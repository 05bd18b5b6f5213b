package dwiseneuro.serve.experiments.tuning;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import dwiseneuro.serve.experiments.spec.ApertureSpec;
import dwiseneuro.serve.experiments.spec.ResponseSpec;
import dwiseneuro.serve.experiments.spec.TimingSpec;

/** The spec of a spatial x temporal frequency tuning experiment. */
@Schema(name = "FrequencyTuningSpec", description = "Drifting gratings on a spatial x temporal frequency grid, at a few "
        + "directions: per neuron the grid of responses at its best direction and its preferred spatial and temporal "
        + "frequency. One trial per (spatial frequency, temporal frequency, direction).",
        example = "{\"type\": \"frequency_tuning\", \"spatial_frequencies\": [0.02, 0.04, 0.08], "
                + "\"temporal_frequencies\": [1, 2, 4], \"directions\": 4, \"behavior\": [29.3, 1.3], "
                + "\"pupil_center\": [151.8, 149.3]}")
public record FrequencyTuningSpec(
        @Schema(required = true, enumeration = {"frequency_tuning"}, example = "frequency_tuning") String type,
        @Schema(description = "Cycles per degree (default [0.01, 0.02, 0.04, 0.08, 0.12])", example = "[0.02, 0.04, 0.08]")
        @JsonProperty("spatial_frequencies") List<Double> spatialFrequencies,
        @Schema(description = "Hz (default [0.5, 1, 2, 4])", example = "[1, 2, 4]")
        @JsonProperty("temporal_frequencies") List<Double> temporalFrequencies,
        @Schema(description = "A count (evenly spaced from 0) or a list of degrees (default 4); each neuron's grid is "
                + "taken at its best direction", oneOf = {Integer.class, double[].class}, implementation = Void.class, example = "4")
        JsonNode directions,
        @Schema(description = "Michelson contrast 0..1 (default 1)", example = "1") Double contrast,
        @Schema(description = "Phase at the screen's centre at onset, degrees (default 0)", example = "0") Double phase,
        @Schema(description = "Gray level, raw 0..255 (default: the mouse's video_mean, else 127.5)", example = "127.5")
        @JsonProperty("mean_luminance") Double meanLuminance,
        @Schema(description = "Show the gratings in a circular aperture (default full-field)") ApertureSpec aperture,
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
}
