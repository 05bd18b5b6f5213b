package dwiseneuro.serve.clip;

import dwiseneuro.serve.media.NpyArray;

/**
 * One validated clip: video (height x width x frames, C order, raw 0..255 values), behavior and pupil
 * center (2 x frames each), with the dataset's trailing NaN padding removed.
 */
public record Clip(int height, int width, int frames, float[] video, float[] behavior, float[] pupilCenter) {

    /**
     * Checks shapes and values against the ensemble's geometry and limits, trimming trailing frames
     * in which no array has a value (the dataset stores trials NaN-padded).
     */
    public static Clip of(NpyArray video, NpyArray behavior, NpyArray pupilCenter,
                          int height, int width, WindowPlan plan, int maxFrames) {
        if (video.ndim() != 3 || video.dim(0) != height || video.dim(1) != width) {
            throw new ClipException("video must have shape (" + height + ", " + width + ", frames), got "
                    + video.shapeText());
        }
        int padded = video.dim(2);
        for (NpyArray trace : new NpyArray[] {behavior, pupilCenter}) {
            if (trace.ndim() != 2 || trace.dim(0) != 2 || trace.dim(1) != padded) {
                throw new ClipException(trace.name() + " must have shape (2, " + padded
                        + ") to match the video's " + padded + " frames, got " + trace.shapeText());
            }
        }
        int frames = Math.max(lastPresentFrame(video.data(), padded),
                Math.max(lastPresentFrame(behavior.data(), padded), lastPresentFrame(pupilCenter.data(), padded))) + 1;
        if (padded == 0) {
            throw new ClipException("the clip has 0 frames; at least " + plan.minLength() + " are needed");
        }
        if (frames == 0) {
            throw new ClipException("the clip has no values: every frame is NaN");
        }
        if (frames > maxFrames) {
            throw new ClipException(413, "the clip has " + frames + " frames; this service accepts at most " + maxFrames);
        }
        if (frames < plan.minLength()) {
            throw new ClipException("the clip has " + frames + " frames; at least " + plan.minLength()
                    + " are needed for one window of " + plan.size() + " frames every " + plan.step());
        }
        float[] v = trim(video, padded, frames);
        float[] b = trim(behavior, padded, frames);
        float[] p = trim(pupilCenter, padded, frames);
        return new Clip(height, width, frames, v, b, p);
    }

    /** Index of the last frame (last axis) in which any value is not NaN, or -1. */
    private static int lastPresentFrame(float[] data, int padded) {
        int last = -1;
        for (int i = 0; i < data.length; i++) {
            if (!Float.isNaN(data[i])) {
                last = Math.max(last, i % padded);
            }
        }
        return last;
    }

    private static float[] trim(NpyArray array, int padded, int frames) {
        float[] data = array.data();
        int rows = data.length / padded;
        float[] out = new float[rows * frames];
        for (int r = 0; r < rows; r++) {
            for (int t = 0; t < frames; t++) {
                float value = data[r * padded + t];
                if (!Float.isFinite(value)) {
                    throw new ClipException(array.name() + " has a " + (Float.isNaN(value) ? "NaN" : "infinite")
                            + " value at frame " + t + " (row " + r + ") inside the clip; only trailing NaN padding is allowed");
                }
                out[r * frames + t] = value;
            }
        }
        return out;
    }

    public int windows(WindowPlan plan) {
        return plan.windowCount(frames);
    }
}
