package dwiseneuro.serve.experiments.display;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The display geometry as the API and experiment results report it. */
@Schema(name = "Display", description = "How the video frame maps to visual angle: the whole screen is the frame, the "
        + "eye on the perpendicular through the screen's centre. Pixel positions are [x, y] (column, row; continuous, "
        + "pixel centres at whole numbers); angles are [azimuth, elevation] in degrees, positive rightwards and upwards.")
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DisplayReport(
        @Schema(example = "56.5") @JsonProperty("screen_width_cm") double screenWidthCm,
        @Schema(example = "31.8") @JsonProperty("screen_height_cm") double screenHeightCm,
        @Schema(example = "15.0") @JsonProperty("distance_cm") double distanceCm,
        @Schema(description = "'manifest' or the default Sensorium 2023 rig", example = "default (Sensorium 2023 rig)")
        String source,
        @Schema(description = "Frame size in pixels, [width, height]", example = "[64, 36]") int[] pixels,
        @Schema(description = "The mapping used (exact, not linear)") String mapping,
        @Schema(description = "Azimuth of the first and last column's centres, degrees", example = "[-61.0, 61.0]")
        @JsonProperty("azimuth_range_deg") double[] azimuthRangeDeg,
        @Schema(description = "Elevation of the first and last row's centres in the central column, degrees",
                example = "[45.9, -45.9]")
        @JsonProperty("elevation_range_deg") double[] elevationRangeDeg,
        @Schema(description = "Degrees per pixel at the screen's centre, [horizontal, vertical]", example = "[3.37, 3.37]")
        @JsonProperty("deg_per_px_center") double[] degPerPxCenter,
        @Schema(description = "Degrees per pixel at the left/right edge (centre row) and top/bottom edge (centre column)",
                example = "[0.74, 1.62]")
        @JsonProperty("deg_per_px_edge") double[] degPerPxEdge,
        @Schema(description = "Highest spatial frequency (cycles/deg) resolved everywhere: 2 pixels per cycle at the centre",
                example = "0.148")
        @JsonProperty("nyquist_cycles_per_deg") double nyquistCyclesPerDeg,
        @Schema(description = "Per-pixel azimuth, rows x columns (with ?maps=true)")
        @JsonProperty("azimuth_deg") float[][] azimuthDeg,
        @Schema(description = "Per-pixel elevation, rows x columns (with ?maps=true)")
        @JsonProperty("elevation_deg") float[][] elevationDeg) {

    public static final String MAPPING = "spherical, exact: azimuth = atan(X / d), elevation = atan(Y / sqrt(X^2 + d^2)), "
            + "X and Y the pixel centre's cm right of and above the screen centre, d the eye distance";

    public static DisplayReport of(DisplayGeometry g) {
        return of(g, false);
    }

    /** The report; with {@code maps}, every pixel's azimuth and elevation as well. */
    public static DisplayReport of(DisplayGeometry g, boolean maps) {
        int w = g.width();
        int h = g.height();
        double midX = (w - 1) / 2.0;
        double midY = (h - 1) / 2.0;
        return new DisplayReport(g.display().screenWidthCm(), g.display().screenHeightCm(), g.display().distanceCm(),
                g.fromManifest() ? "manifest" : "default (Sensorium 2023 rig)", new int[] {w, h}, MAPPING,
                new double[] {round(g.azimuth(0)), round(g.azimuth(w - 1))},
                new double[] {round(g.elevation(midX, 0)), round(g.elevation(midX, h - 1))},
                new double[] {round(g.degreesPerPixelX(midX)), round(g.degreesPerPixelY(midY))},
                new double[] {round(g.degreesPerPixelX(0)), round(g.degreesPerPixelY(0))},
                Math.round(g.nyquistSpatialFrequency() * 1e4) / 1e4,
                maps ? rows(g.azimuthMap(), h, w) : null, maps ? rows(g.elevationMap(), h, w) : null);
    }

    private static double round(double degrees) {
        return Math.round(degrees * 1000) / 1000.0;
    }

    private static float[][] rows(float[] map, int height, int width) {
        float[][] out = new float[height][];
        for (int y = 0; y < height; y++) {
            out[y] = java.util.Arrays.copyOfRange(map, y * width, (y + 1) * width);
        }
        return out;
    }
}
