package dwiseneuro.serve.experiments.stimulus;

/**
 * Noise blocks {@code firstBlock .. firstBlock + blocks - 1} as a movie: each block's pattern held for
 * {@code blockFrames} frames, luminance {@code mean * (1 + contrast * sign)}.
 */
public final class NoiseStimulus implements Stimulus {

    private final Noise noise;
    private final long firstBlock;
    private final int blocks;
    private final int blockFrames;
    private final double mean;
    private final double contrast;
    private long cachedBlock = -1;
    private float[] cached;

    public NoiseStimulus(Noise noise, long firstBlock, int blocks, int blockFrames, double mean, double contrast) {
        this.noise = noise;
        this.firstBlock = firstBlock;
        this.blocks = blocks;
        this.blockFrames = blockFrames;
        this.mean = mean;
        this.contrast = contrast;
    }

    @Override
    public int frames() {
        return blocks * blockFrames;
    }

    @Override
    public void frame(int t, float[] out) {
        long block = firstBlock + t / blockFrames;
        if (block != cachedBlock) {
            cached = noise.pattern(block);
            cachedBlock = block;
        }
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (mean * (1 + contrast * cached[i]));
        }
    }
}
