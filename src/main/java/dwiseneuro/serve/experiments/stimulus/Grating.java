package dwiseneuro.serve.experiments.stimulus;

/**
 * A drifting sinusoidal grating in visual angle: luminance {@code mean * (1 + contrast * cos(2 pi
 * (sf * s - tf * t) + phase))} where {@code s = azimuth cos(direction) + elevation sin(direction)}
 * (degrees) and t is in seconds. Its bars are perpendicular to {@code direction} and move along it:
 * direction 0 moves rightwards (+x), 90 upwards (towards row 0), counter-clockwise.
 *
 * @param direction          direction of motion, degrees
 * @param spatialFrequency   cycles per degree
 * @param temporalFrequency  cycles per second (Hz); 0 is a static grating
 * @param contrast           Michelson contrast, 0..1
 * @param phase              phase at the screen's centre at t = 0, degrees
 */
public record Grating(double direction, double spatialFrequency, double temporalFrequency, double contrast, double phase) {

    /** The luminance at azimuth/elevation (degrees) and time (seconds) around {@code mean}. */
    public double luminance(double azimuth, double elevation, double seconds, double mean) {
        double theta = Math.toRadians(direction);
        double s = azimuth * Math.cos(theta) + elevation * Math.sin(theta);
        double cycles = spatialFrequency * s - temporalFrequency * seconds;
        return mean * (1 + contrast * Math.cos(2 * Math.PI * cycles + Math.toRadians(phase)));
    }

    /** The same grating turned by 90 degrees (the cross-oriented surround). */
    public Grating orthogonal() {
        return new Grating(direction + 90, spatialFrequency, temporalFrequency, contrast, phase);
    }
}
