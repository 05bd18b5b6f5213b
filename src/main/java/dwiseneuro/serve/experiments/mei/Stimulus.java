package dwiseneuro.serve.experiments.mei;

import java.util.Random;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * The stimulus being optimised, one per start, on the device: its deviation z from the mean luminance,
 * kept inside the L2 budget B (and zero outside the mask); the pixels are clip(mean + z, 0, 255). On the
 * budget's sphere the gradient loses its outward normal part before the update (the KKT condition of the
 * constrained problem), so that Adam's per-pixel scaling cannot pull the result off the constrained
 * optimum: there the remaining gradient is zero and every rule stops; z is scaled back into the ball
 * after each step.
 */
final class Stimulus implements AutoCloseable {

    private final MeiSettings settings;
    private final NDManager state;
    private NDArray z;
    private final NDArray mask;
    private final double budget;

    private Stimulus(MeiSettings settings, NDManager state, NDArray z, NDArray mask) {
        this.settings = settings;
        this.state = state;
        this.z = z;
        this.mask = mask;
        this.budget = settings.contrast() * Math.sqrt(settings.parameterSize());
    }

    /**
     * Seeded starts: start i is Gaussian noise from seed + i, masked and scaled to the contrast budget,
     * so that every start begins on the budget's sphere.
     */
    static Stimulus start(MeiSettings settings, NDManager device) {
        int size = settings.parameterSize();
        int pixels = settings.height() * settings.width();
        float[] values = new float[settings.starts() * size];
        int perPixel = size / pixels; // 1 for an MEI, frames for an MEV
        for (int s = 0; s < settings.starts(); s++) {
            Random random = new Random(settings.seed() + s);
            double sum = 0;
            for (int i = 0; i < size; i++) {
                float weight = settings.mask() == null ? 1f : settings.mask()[i / perPixel];
                float v = (float) random.nextGaussian() * weight;
                values[s * size + i] = v;
                sum += (double) v * v;
            }
            double scale = sum == 0 ? 0 : settings.contrast() * Math.sqrt(size) / Math.sqrt(sum);
            for (int i = 0; i < size; i++) {
                values[s * size + i] *= (float) scale;
            }
        }
        NDManager state = device.newSubManager();
        NDArray z = state.create(values, parameterShape(settings, settings.starts()));
        NDArray mask = null;
        if (settings.mask() != null) {
            Shape shape = settings.kind() == MeiSettings.Kind.MEV
                    ? new Shape(1, settings.height(), settings.width(), 1) : new Shape(1, settings.height(), settings.width());
            mask = state.create(settings.mask(), shape);
        }
        Stimulus stimulus = new Stimulus(settings, state, z, mask);
        stimulus.constrain();
        return stimulus;
    }

    static Shape parameterShape(MeiSettings settings, int starts) {
        return settings.kind() == MeiSettings.Kind.MEV
                ? new Shape(starts, settings.height(), settings.width(), settings.frames())
                : new Shape(starts, settings.height(), settings.width());
    }

    /** Sum (or mean) over every axis but the first (the starts), kept as size-1 axes for broadcasting. */
    static NDArray perStart(NDArray a, boolean mean) {
        int[] axes = new int[a.getShape().dimension() - 1];
        for (int i = 0; i < axes.length; i++) {
            axes[i] = i + 1;
        }
        NDArray sum = a.sum(axes, true);
        return mean ? sum.divi(a.getShape().size() / a.getShape().get(0)) : sum;
    }

    /** The current stimuli in pixel values, (starts, height, width) or (starts, height, width, frames). */
    NDArray pixels(NDManager into) {
        NDArray x = z.add(settings.meanLuminance());
        x.attach(into);
        NDArray clipped = x.clip(0, 255);
        clipped.attach(into);
        return clipped;
    }

    /** The stimuli as the clips' videos, (starts, height, width, frames): an MEI is held for every frame. */
    NDArray videos(NDArray pixels, NDManager into) {
        NDArray videos = settings.kind() == MeiSettings.Kind.MEV ? pixels.duplicate()
                : pixels.expandDims(3).repeat(3, settings.frames());
        videos.attach(into);
        return videos;
    }

    /**
     * The ascent direction for z from {@code gradient}, the gradient with respect to the videos (an MEI
     * sums it over frames): zero outside the mask and where the range holds a pixel (at 0 or 255 with
     * the gradient pointing outwards), and without its outward normal part when z is on the budget.
     */
    NDArray ascent(NDArray gradient, NDArray pixels, NDManager into) {
        try (NDManager scratch = into.newSubManager()) {
            NDArray g = settings.kind() == MeiSettings.Kind.MEV ? gradient.duplicate() : gradient.sum(new int[] {3});
            g.attach(scratch);
            NDArray held = pixels.gte(255).logicalAnd(g.gt(0)).logicalOr(pixels.lte(0).logicalAnd(g.lt(0)));
            held.attach(scratch);
            NDArray free = held.logicalNot().toType(g.getDataType(), false);
            free.attach(scratch);
            g.muli(free);
            if (mask != null) {
                g.muli(mask);
            }
            NDArray length = lengths(z, scratch);
            NDArray unit = z.div(length.add(1e-30));
            unit.attach(scratch);
            NDArray radial = perStart(unit.mul(g), false);
            radial.attach(scratch);
            // On the sphere (to float precision) an outward radial part would only be scaled away again.
            NDArray onSphere = length.gte(budget * (1 - 1e-5)).logicalAnd(radial.gt(0)).toType(g.getDataType(), false);
            onSphere.attach(scratch);
            NDArray direction = g.sub(unit.mul(radial.mul(onSphere)));
            direction.attach(into);
            return direction;
        }
    }

    /**
     * z += step, then clamped to the pixel range (so that the budget counts only deviations the pixels
     * show), zero outside the mask, and scaled back into the budget's ball (towards the mean, which keeps
     * it in range).
     */
    void add(NDArray step) {
        z.addi(step);
        constrain();
    }

    private void constrain() {
        NDArray clamped = z.clip(-settings.meanLuminance(), 255 - settings.meanLuminance());
        z.close();
        z = clamped;
        if (mask != null) {
            z.muli(mask);
        }
        try (NDManager scratch = state.newSubManager()) {
            NDArray length = lengths(z, scratch);
            NDArray factor = length.add(1e-30).pow(-1).muli(budget).minimum(1);
            factor.attach(scratch);
            z.muli(factor);
        }
    }

    /** |a| per start, (starts, 1, ...). */
    private static NDArray lengths(NDArray a, NDManager into) {
        NDArray squares = a.square();
        squares.attach(into);
        NDArray length = perStart(squares, false).sqrt();
        length.attach(into);
        return length;
    }

    /** The L2 budget of one start: contrast x sqrt(pixels of the stimulus). */
    double budget() {
        return budget;
    }

    @Override
    public void close() {
        state.close();
    }
}
