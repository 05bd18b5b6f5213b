package dwiseneuro.serve.experiments.mei;

/**
 * How one most-exciting-input optimisation runs (the parsed spec, in the optimiser's terms).
 *
 * @param kind         MEI: one image held for every frame (the gradient summed over frames); MEV: a video
 * @param height       video rows (36)
 * @param width        video columns (64)
 * @param frames       frames of the stimulus clip
 * @param starts       independent seeded starts, optimised together (one batch per step)
 * @param seed         seed of the first start; start i uses seed + i
 * @param steps        gradient steps
 * @param maximize     true: most exciting; false: most inhibiting (the objective is minimised)
 * @param rule         Adam or SGD
 * @param lr           learning rate in pixel units (see {@link Optimizer})
 * @param contrast     RMS contrast budget in pixel units: the L2 norm of stimulus - mean luminance is at
 *                     most contrast x sqrt(pixels of the stimulus)
 * @param meanLuminance the mean luminance the budget is around (raw 0..255)
 * @param blurSigma    Gaussian blur of the gradient (pixels) at the first step; 0: no blur
 * @param blurSigmaEnd blur at the last step; the sigma decays geometrically in between
 * @param mask         height x width of 1 (free) and 0 (held at the mean luminance), or null: no mask
 */
public record MeiSettings(Kind kind, int height, int width, int frames, int starts, long seed, int steps,
                          boolean maximize, Rule rule, double lr, double contrast, double meanLuminance,
                          double blurSigma, double blurSigmaEnd, float[] mask) {

    public enum Kind { MEI, MEV }

    public enum Rule { ADAM, SGD }

    /** The blur sigma of step {@code step} (0-based) of {@link #steps()}. */
    public double sigma(int step) {
        if (blurSigma <= 0) {
            return 0;
        }
        if (steps <= 1 || blurSigmaEnd <= 0 || blurSigmaEnd == blurSigma) {
            return blurSigmaEnd <= 0 ? blurSigma * (1 - (double) step / Math.max(1, steps - 1)) : blurSigma;
        }
        return blurSigma * Math.pow(blurSigmaEnd / blurSigma, (double) step / (steps - 1));
    }

    /** Values in the stimulus parameter of one start: an image for MEI, a video for MEV. */
    public int parameterSize() {
        return height * width * (kind == Kind.MEV ? frames : 1);
    }
}
