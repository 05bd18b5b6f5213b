package dwiseneuro.serve.experiments.display;

import dwiseneuro.serve.ensemble.Manifest;

/**
 * Where each pixel of the video frame lies in the mouse's visual field, by the exact (spherical)
 * mapping of a flat screen seen from a point on its central perpendicular.
 *
 * <p>A pixel's centre is at {@code X} cm right of and {@code Y} cm above the screen's centre; its
 * azimuth is {@code atan(X / d)} and its elevation {@code atan(Y / sqrt(X^2 + d^2))}, the angle above
 * the horizontal plane through the eye (the spherical coordinates in which the Allen Institute's and
 * Marshel et al. 2011's stimuli are defined). A linear approximation would be far off on this rig: the
 * Sensorium screen (56.5 cm at 15 cm) reaches atan(28.25 / 15) = 62 deg at its edge, where 3.37 deg per
 * pixel (the centre's value) would say 108 deg, and a pixel at the edge spans 0.74 deg, a fifth of the
 * centre's. Pixel coordinates are continuous: pixel column x (row y) has its centre at x (y).
 */
public final class DisplayGeometry {

    private final int width;
    private final int height;
    private final Manifest.Display display;
    private final boolean fromManifest;
    private final double cmPerPixelX;
    private final double cmPerPixelY;

    public DisplayGeometry(Manifest.Display display, boolean fromManifest, int height, int width) {
        this.display = display;
        this.fromManifest = fromManifest;
        this.height = height;
        this.width = width;
        this.cmPerPixelX = display.screenWidthCm() / width;
        this.cmPerPixelY = display.screenHeightCm() / height;
    }

    /** The served ensemble's display (the Sensorium 2023 rig when the manifest has no display block). */
    public static DisplayGeometry of(Manifest manifest) {
        return new DisplayGeometry(manifest.displayOrDefault(), manifest.display() != null,
                manifest.input().videoHeight(), manifest.input().videoWidth());
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    public Manifest.Display display() {
        return display;
    }

    /** Whether the display block came from the manifest (else the Sensorium 2023 default). */
    public boolean fromManifest() {
        return fromManifest;
    }

    /** cm right of the screen's centre of continuous column {@code x}. */
    public double screenX(double x) {
        return (x + 0.5 - width / 2.0) * cmPerPixelX;
    }

    /** cm above the screen's centre of continuous row {@code y} (rows count downwards). */
    public double screenY(double y) {
        return (height / 2.0 - (y + 0.5)) * cmPerPixelY;
    }

    /** Azimuth in degrees (positive to the right) of continuous column {@code x}. */
    public double azimuth(double x) {
        return Math.toDegrees(Math.atan2(screenX(x), display.distanceCm()));
    }

    /** Elevation in degrees (positive upwards) of the continuous pixel position (x, y). */
    public double elevation(double x, double y) {
        return Math.toDegrees(Math.atan2(screenY(y), Math.hypot(screenX(x), display.distanceCm())));
    }

    /** {@code [azimuth, elevation]} in degrees of the continuous pixel position (x, y). */
    public double[] toDegrees(double x, double y) {
        return new double[] {azimuth(x), elevation(x, y)};
    }

    /** The continuous pixel position {@code [x, y]} seen at {@code azimuth, elevation} (degrees). */
    public double[] toPixel(double azimuth, double elevation) {
        double screenX = display.distanceCm() * Math.tan(Math.toRadians(azimuth));
        double screenY = Math.tan(Math.toRadians(elevation)) * Math.hypot(screenX, display.distanceCm());
        return new double[] {screenX / cmPerPixelX + width / 2.0 - 0.5, height / 2.0 - 0.5 - screenY / cmPerPixelY};
    }

    /** Angle in degrees between the lines of sight to pixel (x, y) and to {@code azimuth, elevation}. */
    public double angularDistance(double x, double y, double azimuth, double elevation) {
        double[] a = unit(azimuth(x), elevation(x, y));
        double[] b = unit(azimuth, elevation);
        double cos = a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
        return Math.toDegrees(Math.acos(Math.max(-1, Math.min(1, cos))));
    }

    private static double[] unit(double azimuth, double elevation) {
        double az = Math.toRadians(azimuth);
        double el = Math.toRadians(elevation);
        return new double[] {Math.cos(el) * Math.sin(az), Math.sin(el), Math.cos(el) * Math.cos(az)};
    }

    /** Degrees per pixel along a row at column {@code x} (centre row), from the mapping's derivative. */
    public double degreesPerPixelX(double x) {
        double screenX = screenX(x);
        double d = display.distanceCm();
        return Math.toDegrees(d / (d * d + screenX * screenX)) * cmPerPixelX;
    }

    /** Degrees per pixel down the central column at row {@code y}. */
    public double degreesPerPixelY(double y) {
        double screenY = screenY(y);
        double d = display.distanceCm();
        return Math.toDegrees(d / (d * d + screenY * screenY)) * cmPerPixelY;
    }

    /**
     * The highest spatial frequency (cycles/deg) the frame resolves everywhere: two pixels per cycle
     * where a pixel spans the most visual angle, at the screen's centre.
     */
    public double nyquistSpatialFrequency() {
        double largest = Math.max(degreesPerPixelX((width - 1) / 2.0), degreesPerPixelY((height - 1) / 2.0));
        return 1 / (2 * largest);
    }

    /** Per-pixel azimuth (degrees), rows x columns in C order. */
    public float[] azimuthMap() {
        float[] map = new float[height * width];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                map[y * width + x] = (float) azimuth(x);
            }
        }
        return map;
    }

    /** Per-pixel elevation (degrees), rows x columns in C order. */
    public float[] elevationMap() {
        float[] map = new float[height * width];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                map[y * width + x] = (float) elevation(x, y);
            }
        }
        return map;
    }
}
