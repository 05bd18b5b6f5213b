package dwiseneuro.serve.experiments.stimulus;

/**
 * A rendered stimulus: rows x columns x frames in C order (the layout of a clip's video), whole raw
 * pixel values 0..255, i.e. what an 8-bit display shows; the .npy and the lossless .mp4 hold exactly
 * these numbers.
 */
public record StimulusVideo(int height, int width, int frames, float[] values) {

    /** Renders every frame of {@code stimulus}, rounding to the nearest pixel value and clamping to 0..255. */
    public static StimulusVideo render(Stimulus stimulus, int height, int width) {
        int frames = stimulus.frames();
        float[] values = new float[height * width * frames];
        float[] frame = new float[height * width];
        for (int t = 0; t < frames; t++) {
            stimulus.frame(t, frame);
            for (int i = 0; i < frame.length; i++) {
                values[i * frames + t] = Math.round(Math.max(0f, Math.min(255f, frame[i])));
            }
        }
        return new StimulusVideo(height, width, frames, values);
    }

    /** Pixel (x, y) at frame t. */
    public float at(int x, int y, int t) {
        return values[(y * width + x) * frames + t];
    }
}
