package dwiseneuro.serve.experiments.spec;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonProperty;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import dwiseneuro.serve.experiments.SpecException;
import dwiseneuro.serve.experiments.display.DisplayGeometry;
import dwiseneuro.serve.experiments.stimulus.Aperture;

/** A circular aperture: its centre in degrees or in pixels, and its radius in degrees. */
@Schema(name = "Aperture", description = "A circular window in visual angle (great-circle radius); gray outside. "
        + "Give the centre as center_deg [azimuth, elevation] or center_px [x, y]; default the screen's centre.")
public record ApertureSpec(
        @Schema(description = "Centre [azimuth, elevation] in degrees", example = "[0, 0]")
        @JsonProperty("center_deg") List<Double> centerDeg,
        @Schema(description = "Centre [x, y] in pixels of the 36 x 64 frame (column, row; may be fractional)", example = "[31.5, 17.5]")
        @JsonProperty("center_px") List<Double> centerPx,
        @Schema(description = "Radius in degrees", example = "20")
        @JsonProperty("radius_deg") Double radiusDeg) {

    /** The aperture at this spec's centre with radius {@code radius}, checked against the display. */
    public Aperture resolve(String field, DisplayGeometry display, double radius) {
        double[] centre = centre(field + ".", centerDeg, centerPx, display);
        return new Aperture(centre[0], centre[1], radius);
    }

    /**
     * [azimuth, elevation] of a centre given in degrees or pixels (the screen's centre when neither);
     * {@code prefix} names where the fields are, e.g. {@code "aperture."} or {@code ""}.
     */
    public static double[] centre(String prefix, List<Double> deg, List<Double> px, DisplayGeometry display) {
        if (deg != null && px != null) {
            throw new SpecException(prefix + "center_deg", "give center_deg or center_px, not both");
        }
        if (px != null) {
            double[] xy = pair(prefix + "center_px", px);
            if (xy[0] < -0.5 || xy[0] > display.width() - 0.5 || xy[1] < -0.5 || xy[1] > display.height() - 0.5) {
                throw new SpecException(prefix + "center_px", "must lie on the " + display.height() + " x "
                        + display.width() + " frame ([x, y], x 0.." + (display.width() - 1) + ", y 0.." + (display.height() - 1) + ")");
            }
            return display.toDegrees(xy[0], xy[1]);
        }
        if (deg != null) {
            double[] angles = pair(prefix + "center_deg", deg);
            if (Math.abs(angles[0]) >= 89 || Math.abs(angles[1]) >= 89) {
                throw new SpecException(prefix + "center_deg", "must be within 89 degrees of the screen's centre, got " + deg);
            }
            return angles;
        }
        return new double[] {0, 0};
    }

    private static double[] pair(String field, List<Double> values) {
        if (values.size() != 2 || values.stream().anyMatch(v -> v == null || !Double.isFinite(v))) {
            throw new SpecException(field, "must be two finite numbers, got " + values);
        }
        return new double[] {values.get(0), values.get(1)};
    }
}
