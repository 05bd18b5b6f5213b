package dwiseneuro.serve.experiments.protocol;

import java.util.LinkedHashMap;
import java.util.Map;

import dwiseneuro.serve.ensemble.Manifest;
import dwiseneuro.serve.experiments.SpecException;

/** The mean (gray) luminance of an experiment, raw 0..255, and where it came from. */
public record Luminance(double mean, String source) {

    /** Middle gray, when neither the spec nor the manifest gives a mean. */
    public static final double MIDDLE_GRAY = 127.5;

    public static Luminance resolve(Double given, Manifest.Mouse mouse) {
        if (given != null) {
            if (!(given > 0 && given < 255)) {
                throw new SpecException("mean_luminance", "must be a raw pixel value above 0 and below 255, got " + given);
            }
            return new Luminance(given, "spec");
        }
        if (mouse.videoMean() != null && mouse.videoMean() > 0 && mouse.videoMean() < 255) {
            return new Luminance(mouse.videoMean(), "manifest video_mean (the mouse's training videos)");
        }
        return new Luminance(MIDDLE_GRAY, "middle gray 127.5 (the manifest has no video_mean for this mouse)");
    }

    /**
     * Checks that a stimulus of Michelson {@code contrast} about this mean stays within 0..255
     * ({@code mean * (1 + contrast) <= 255}), naming {@code field} when it does not.
     */
    public void checkContrast(String field, double contrast) {
        if (!(contrast >= 0 && contrast <= 1)) {
            throw new SpecException(field, "must be a Michelson contrast from 0 to 1, got " + contrast);
        }
        double highest = (255 - mean) / mean;
        if (contrast > highest + 1e-9) {
            throw new SpecException(field, String.format(java.util.Locale.ROOT,
                    "contrast %.3g about the mean luminance %.4g would exceed 255; at most %.3f fits (or lower mean_luminance)",
                    contrast, mean, highest));
        }
    }

    public Map<String, Object> describe() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("mean_luminance", mean);
        out.put("mean_luminance_source", source);
        return out;
    }
}
