package dwiseneuro.serve.experiments.tuning;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import dwiseneuro.serve.experiments.spec.ApertureSpec;
import dwiseneuro.serve.experiments.spec.ResponseSpec;
import dwiseneuro.serve.experiments.spec.TimingSpec;

/** The spec of a direction tuning experiment. */
@Schema(name = "DirectionTuningSpec", description = "Drifting sinusoidal gratings at N directions (optionally at several "
        + "spatial and temporal frequencies): each neuron's response per direction, preferred direction and orientation, "
        + "DSI and OSI (peak and vector-sum forms). One trial per direction x frequency combination.",
        example = "{\"type\": \"direction_tuning\", \"directions\": 8, \"spatial_frequency\": 0.04, "
                + "\"temporal_frequency\": 2, \"contrast\": 1, \"behavior\": [29.3, 1.3], \"pupil_center\": [151.8, 149.3]}")
public record DirectionTuningSpec(
        @Schema(required = true, enumeration = {"direction_tuning"}, example = "direction_tuning") String type,
        @Schema(description = "A count (evenly spaced from 0) or a list of degrees; direction of motion, 0 = rightwards, "
                + "90 = upwards, counter-clockwise. Default 16", oneOf = {Integer.class, double[].class}, implementation = Void.class, example = "8")
        JsonNode directions,
        @Schema(description = "Cycles per degree, one value or a list (default 0.04)", type = SchemaType.ARRAY,
                implementation = Double.class, example = "[0.04]")
        @JsonProperty("spatial_frequency") @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
        List<Double> spatialFrequency,
        @Schema(description = "Hz, one value or a list (default 2)", type = SchemaType.ARRAY, implementation = Double.class,
                example = "[2]")
        @JsonProperty("temporal_frequency") @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
        List<Double> temporalFrequency,
        @Schema(description = "Michelson contrast 0..1 (default 1)", example = "1") Double contrast,
        @Schema(description = "Phase at the screen's centre at onset, degrees (default 0)", example = "0") Double phase,
        @Schema(description = "Gray level, raw 0..255 (default: the mouse's video_mean from the manifest, else 127.5)",
                example = "127.5")
        @JsonProperty("mean_luminance") Double meanLuminance,
        @Schema(description = "Show the gratings in a circular aperture (default full-field)") ApertureSpec aperture,
        TimingSpec timing,
        ResponseSpec response,
        @Schema(description = "Constant behavior [pupil dilation, running speed] (default the manifest's behavior_mean)",
                example = "[29.3, 1.3]")
        List<Double> behavior,
        @Schema(description = "Constant pupil centre [x, y] (default the manifest's pupil_center_mean)", example = "[151.8, 149.3]")
        @JsonProperty("pupil_center") List<Double> pupilCenter,
        @Schema(description = "Neuron rows in the polar plot (default the first 16)", example = "[0, 1, 2, 3]")
        @JsonProperty("plot_neurons") List<Integer> plotNeurons) {

    GratingSetup.Fields fields() {
        return new GratingSetup.Fields(contrast, phase, meanLuminance, timing, response, behavior, pupilCenter);
    }
}
