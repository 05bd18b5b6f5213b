package dwiseneuro.serve.experiments.stimulus;

/**
 * A circular window in visual angle: every line of sight within {@code radius} degrees (great-circle
 * angle) of the direction {@code azimuth, elevation}. On a flat screen it is not a circle in pixels.
 */
public record Aperture(double azimuth, double elevation, double radius) {
}
