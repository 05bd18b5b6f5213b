package dwiseneuro.serve.experiments.stimulus;

import dwiseneuro.serve.experiments.display.DisplayGeometry;

/**
 * A drifting grating on the display, full-field or in an aperture (gray outside, or a surround grating),
 * sampled at each pixel's centre in visual angle.
 */
public final class GratingStimulus implements Stimulus {

    private static final byte CENTRE = 0;
    private static final byte SURROUND = 1;
    private static final byte GRAY = 2;

    private final Grating centre;
    private final Grating surround;
    private final double mean;
    private final int frames;
    private final double fps;
    private final float[] azimuth;
    private final float[] elevation;
    private final byte[] region;

    /**
     * @param aperture null for a full-field grating
     * @param surround null for gray around the aperture
     */
    public GratingStimulus(DisplayGeometry display, Grating grating, Aperture aperture, Surround surround,
                           double mean, int frames, double fps) {
        this.centre = grating;
        this.surround = surround == null ? null : surround.grating(grating);
        this.mean = mean;
        this.frames = frames;
        this.fps = fps;
        this.azimuth = display.azimuthMap();
        this.elevation = display.elevationMap();
        this.region = new byte[azimuth.length];
        int width = display.width();
        for (int i = 0; i < region.length; i++) {
            if (aperture == null) {
                region[i] = CENTRE;
                continue;
            }
            double distance = display.angularDistance(i % width, i / width, aperture.azimuth(), aperture.elevation());
            if (distance <= aperture.radius()) {
                region[i] = CENTRE;
            } else if (surround != null && (surround.outerRadius() == null || distance <= surround.outerRadius())) {
                region[i] = SURROUND;
            } else {
                region[i] = GRAY;
            }
        }
    }

    @Override
    public int frames() {
        return frames;
    }

    @Override
    public void frame(int t, float[] out) {
        double seconds = t / fps;
        for (int i = 0; i < out.length; i++) {
            out[i] = switch (region[i]) {
                case CENTRE -> (float) centre.luminance(azimuth[i], elevation[i], seconds, mean);
                case SURROUND -> (float) surround.luminance(azimuth[i], elevation[i], seconds, mean);
                default -> (float) mean;
            };
        }
    }

    /** Pixels inside the aperture (the centre grating): a check of its radius. */
    public int aperturePixels() {
        int count = 0;
        for (byte r : region) {
            count += r == CENTRE ? 1 : 0;
        }
        return count;
    }
}
