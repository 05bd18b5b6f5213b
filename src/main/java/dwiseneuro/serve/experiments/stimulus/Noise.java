package dwiseneuro.serve.experiments.stimulus;

import java.util.SplittableRandom;

/**
 * Seeded noise made of square checks of {@code check} x {@code check} pixels (the last row and column
 * cut at the frame's edge), one new pattern per block of frames. A pattern holds each check's contrast
 * sign: +1 bright, -1 dark, 0 mean gray. Block {@code b}'s pattern depends only on the seed and {@code b},
 * so any part of a long noise movie can be made again on its own (for a clip, a download or the
 * analysis) without keeping the rest.
 */
public abstract class Noise {

    protected final int height;
    protected final int width;
    protected final int check;
    protected final long seed;

    protected Noise(int height, int width, int check, long seed) {
        this.height = height;
        this.width = width;
        this.check = check;
        this.seed = seed;
    }

    public int check() {
        return check;
    }

    /** Checks across the frame. */
    public int checksX() {
        return (width + check - 1) / check;
    }

    /** Checks down the frame. */
    public int checksY() {
        return (height + check - 1) / check;
    }

    /** Block {@code block}'s pattern per check (check rows x check columns, C order; -1, 0 or +1). */
    public final float[] checkPattern(long block) {
        float[] checks = new float[checksX() * checksY()];
        fill(random(block), checks);
        return checks;
    }

    /** Block {@code block}'s pattern per pixel (rows x columns, C order). */
    public final float[] pattern(long block) {
        return toPixels(checkPattern(block));
    }

    /** A per-check map (check rows x check columns) at pixel resolution: each pixel takes its check's value. */
    public float[] toPixels(float[] checks) {
        float[] pixels = new float[height * width];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                pixels[y * width + x] = checks[(y / check) * checksX() + x / check];
            }
        }
        return pixels;
    }

    /** The pixel position [x, y] of check {@code index}'s centre. */
    public double[] checkCentre(int index) {
        int cx = index % checksX();
        int cy = index / checksX();
        return new double[] {(cx * check + Math.min(width, (cx + 1) * check) - 1) / 2.0,
            (cy * check + Math.min(height, (cy + 1) * check) - 1) / 2.0};
    }

    protected abstract void fill(SplittableRandom random, float[] checks);

    /** An independent stream per (seed, block): SplittableRandom's mixer decorrelates nearby seeds. */
    private SplittableRandom random(long block) {
        return new SplittableRandom(new SplittableRandom(seed ^ (block * 0x9E3779B97F4A7C15L)).nextLong());
    }

    /** Binary white noise: every check independently bright or dark with probability 1/2. */
    public static final class White extends Noise {

        public White(int height, int width, int check, long seed) {
            super(height, width, check, seed);
        }

        @Override
        protected void fill(SplittableRandom random, float[] checks) {
            for (int i = 0; i < checks.length; i++) {
                checks[i] = random.nextBoolean() ? 1f : -1f;
            }
        }
    }

    /** Sparse noise: {@code spots} distinct checks per block, each bright or dark, on mean gray. */
    public static final class Sparse extends Noise {

        private final int spots;

        public Sparse(int height, int width, int check, int spots, long seed) {
            super(height, width, check, seed);
            this.spots = spots;
        }

        @Override
        protected void fill(SplittableRandom random, float[] checks) {
            int[] order = new int[checks.length];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            for (int i = 0; i < Math.min(spots, order.length); i++) { // partial Fisher-Yates: distinct checks
                int j = i + random.nextInt(order.length - i);
                int chosen = order[j];
                order[j] = order[i];
                order[i] = chosen;
                checks[chosen] = random.nextBoolean() ? 1f : -1f;
            }
        }
    }
}
