package dwiseneuro.serve.clip;

/**
 * The sliding window of the original predictor: {@code size} frames every {@code step} frames, the
 * target frame at position "last", "middle" or "first" of the window. Every target from
 * {@link #firstEnd()} to {@link #lastEnd(int)} gets one window.
 */
public record WindowPlan(int size, int step, int behind, int ahead) {

    public static WindowPlan of(int size, int step, String position) {
        int behind;
        int ahead;
        switch (position) {
            case "last" -> {
                behind = size - 1;
                ahead = 0;
            }
            case "middle" -> {
                behind = size / 2;
                ahead = size - behind - 1;
            }
            case "first" -> {
                behind = 0;
                ahead = size - 1;
            }
            default -> throw new IllegalArgumentException("frame stack position must be first, middle or last: " + position);
        }
        return new WindowPlan(size, step, behind * step, ahead * step);
    }

    /** Fewest frames a clip needs for one window (31 for 16 frames, step 2). */
    public int minLength() {
        return behind + ahead + 1;
    }

    public int firstEnd() {
        return behind;
    }

    /** Last target index (inclusive) of a clip of {@code length} frames. */
    public int lastEnd(int length) {
        return length - 1 - ahead;
    }

    public int windowCount(int length) {
        return Math.max(0, lastEnd(length) - firstEnd() + 1);
    }

    /** The first frame of the window whose target is {@code end}; its frames are first, first+step, ... */
    public int firstFrame(int end) {
        return end - behind;
    }

    /** How many windows cover each frame of a clip: the divisor of the "ones" blend (at least 1). */
    public float[] coverage(int length) {
        float[] counts = new float[length];
        for (int end = firstEnd(); end <= lastEnd(length); end++) {
            for (int k = 0, frame = firstFrame(end); k < size; k++, frame += step) {
                counts[frame] += 1f;
            }
        }
        for (int t = 0; t < length; t++) {
            counts[t] = Math.max(counts[t], 1f);
        }
        return counts;
    }
}
