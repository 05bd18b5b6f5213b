package dwiseneuro.serve.clip;

/**
 * Builds the model input of a clip exactly as the original's StackInputsProcessor: 5 channels x
 * frames x canvasHeight x canvasWidth, the video centred on a canvas filled with {@code padValue},
 * then behavior rows 0 and 1 and pupil center rows 0 and 1, each filling a whole channel.
 */
public record InputStacker(int canvasHeight, int canvasWidth, float padValue) {

    public static final int CHANNELS = 5;

    public float[] stack(Clip clip) {
        int frames = clip.frames();
        int plane = canvasHeight * canvasWidth;
        float[] out = new float[CHANNELS * frames * plane];
        int top = (canvasHeight - clip.height()) / 2;
        int left = (canvasWidth - clip.width()) / 2;
        if (padValue != 0f) {
            java.util.Arrays.fill(out, 0, frames * plane, padValue);
        }
        float[] video = clip.video();
        for (int y = 0; y < clip.height(); y++) {
            for (int x = 0; x < clip.width(); x++) {
                int source = (y * clip.width() + x) * frames;
                int target = (top + y) * canvasWidth + left + x;
                for (int t = 0; t < frames; t++) {
                    out[t * plane + target] = video[source + t];
                }
            }
        }
        fillTraces(out, 1, clip.behavior(), frames, plane);
        fillTraces(out, 3, clip.pupilCenter(), frames, plane);
        return out;
    }

    private static void fillTraces(float[] out, int firstChannel, float[] traces, int frames, int plane) {
        for (int row = 0; row < 2; row++) {
            int channelStart = (firstChannel + row) * frames * plane;
            for (int t = 0; t < frames; t++) {
                int start = channelStart + t * plane;
                java.util.Arrays.fill(out, start, start + plane, traces[row * frames + t]);
            }
        }
    }
}
