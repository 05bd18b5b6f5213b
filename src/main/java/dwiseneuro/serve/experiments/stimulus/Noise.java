package dwiseneuro.serve.experiments.stimulus;

import java.util.SplittableRandom;

/**
 * Seeded noise made of square checks, one new pattern per block of frames. A pattern holds each pixel's
 * contrast sign: +1 bright, -1 dark, 0 mean gray. Block {@code b}'s pattern depends only on the seed and
 * {@code b}, so any part of a long noise movie can be made again on its own (for a clip, a download or
 * the analysis) without keeping the rest.
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

    /** Block {@code block}'s pattern (rows x columns, C order, values -1, 0 or +1). */
    public final float[] pattern(long block) {
        float[] pattern = new float[height * width];
        fill(random(block), pattern);
        return pattern;
    }

    protected abstract void fill(SplittableRandom random, float[] pattern);

    /** Checks across and down the frame (the last ones cut at the edge). */
    protected int checksX() {
        return (width + check - 1) / check;
    }

    protected int checksY() {
        return (height + check - 1) / check;
    }

    /** Sets every pixel of check (cx, cy) to {@code value}. */
    protected void paint(float[] pattern, int cx, int cy, float value) {
        for (int y = cy * check; y < Math.min(height, (cy + 1) * check); y++) {
            for (int x = cx * check; x < Math.min(width, (cx + 1) * check); x++) {
                pattern[y * width + x] = value;
            }
        }
    }

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
        protected void fill(SplittableRandom random, float[] pattern) {
            for (int cy = 0; cy < checksY(); cy++) {
                for (int cx = 0; cx < checksX(); cx++) {
                    paint(pattern, cx, cy, random.nextBoolean() ? 1f : -1f);
                }
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
        protected void fill(SplittableRandom random, float[] pattern) {
            int checks = checksX() * checksY();
            int[] order = new int[checks];
            for (int i = 0; i < checks; i++) {
                order[i] = i;
            }
            for (int i = 0; i < Math.min(spots, checks); i++) { // partial Fisher-Yates: distinct checks
                int j = i + random.nextInt(checks - i);
                int chosen = order[j];
                order[j] = order[i];
                order[i] = chosen;
                paint(pattern, chosen % checksX(), chosen / checksX(), random.nextBoolean() ? 1f : -1f);
            }
        }
    }
}
