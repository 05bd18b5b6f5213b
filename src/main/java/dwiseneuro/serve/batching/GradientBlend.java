package dwiseneuro.serve.batching;

import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import dwiseneuro.serve.clip.WindowPlan;

/**
 * The exact gradient of the ensemble mean through the sliding-window blend, on the device.
 *
 * <p>The response is r[n, t] = (1 / M) sum over members and windows of the window outputs placed at
 * their frames, divided by coverage[t]. For J = sum over (n, t) of weight[n, t] r[n, t], each window's
 * share is the readout output times weight[n, t(slot)] / (coverage[t] M), which is exactly the
 * {@code weights} argument of {@code input_gradient}; dJ / dvideo[y, x, t] is then the sum of the video
 * channel of every window's input gradient at the frame each slot came from, cropped from the canvas to
 * the video's rows and columns. Both steps are matrix products with the windows' 0/1 placement matrix
 * (window slots x clip frames), so nothing goes to the host per window.
 */
public final class GradientBlend {

    private GradientBlend() {
    }

    /**
     * The per-frame divisor applied to the clip-level objective weights, coverage[t] x members: divide the
     * (neurons, frames) weights by it once per clip, then {@link #windowWeights} slices them per window.
     */
    public static float[] divisor(WindowPlan plan, int frames, int members) {
        float[] coverage = plan.coverage(frames);
        for (int t = 0; t < frames; t++) {
            coverage[t] *= members;
        }
        return coverage;
    }

    /**
     * The 0/1 matrix (windows x size, span) placing the slots of the windows ending at {@code ends} at their
     * frames, counted from frame {@code origin}: outputs (neurons, windows x size) times it are the windows'
     * sum per frame of [origin, origin + span), the responses' blend; its transpose scatters the gradients.
     */
    public static PtNDArray placement(List<Integer> ends, WindowPlan plan, int origin, int span, NDManager into) {
        int size = plan.size();
        float[] matrix = new float[ends.size() * size * span];
        for (int k = 0; k < ends.size(); k++) {
            int frame = plan.firstFrame(ends.get(k)) - origin;
            for (int s = 0; s < size; s++, frame += plan.step()) {
                matrix[(k * size + s) * span + frame] = 1f;
            }
        }
        return (PtNDArray) into.create(matrix, new Shape((long) ends.size() * size, span));
    }

    /**
     * The {@code weights} argument of {@code input_gradient} for these windows, (windows, neurons, size):
     * {@code scaledWeights} (neurons, frames), already divided by {@link #divisor}, at each slot's frame.
     */
    public static PtNDArray windowWeights(PtNDArray scaledWeights, PtNDArray placement, int windows, PtNDManager into) {
        long neurons = scaledWeights.getShape().get(0);
        long size = placement.getShape().get(0) / windows;
        NDArray transposed = placement.transpose();
        NDArray slots = scaledWeights.matMul(transposed); // (neurons, windows x size)
        NDArray perWindow = slots.reshape(neurons, windows, size).transpose(1, 0, 2).duplicate();
        perWindow.attach(into);
        transposed.close();
        slots.close();
        return (PtNDArray) perWindow;
    }

    /**
     * gradient (frames, height x width) += the video channel of {@code windowGradients} (windows, channels,
     * size, canvas rows, canvas columns), cropped to the video at ({@code top}, {@code left}), added at the
     * frame each slot came from.
     */
    public static void accumulate(PtNDArray gradient, PtNDArray windowGradients, PtNDArray placement,
                                  int top, int left, int height, int width) {
        Shape shape = windowGradients.getShape();
        long slots = shape.get(0) * shape.get(2);
        try (NDArray video = windowGradients.get(new NDIndex(":, 0, :, {}:{}, {}:{}", top, top + height, left, left + width));
             NDArray flat = video.reshape(slots, (long) height * width);
             NDArray transposed = placement.transpose();
             NDArray placed = transposed.matMul(flat)) {
            gradient.addi(placed);
        }
    }
}
