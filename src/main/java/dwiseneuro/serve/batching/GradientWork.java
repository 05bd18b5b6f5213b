package dwiseneuro.serve.batching;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import dwiseneuro.serve.clip.WindowPlan;
import dwiseneuro.serve.ensemble.Manifest;

/**
 * What makes a clip job a gradient job: the objective J = sum over (neuron, frame) of weight x the
 * ensemble-mean response, and, on the device, the running sums of J and of dJ / dvideo over the windows
 * and members run so far (GradientBlend says how each window contributes).
 */
final class GradientWork {

    /** (neurons, frames) objective weights in C order. */
    final float[] weights;
    /** The video's rows and columns, and where the video sits on the model's canvas. */
    final int videoHeight;
    final int videoWidth;
    final int top;
    final int left;
    /** Answer with the gradient left on the device (experiments) rather than copied to the host. */
    final boolean onDevice;

    // Device state, created and closed (with the clip's manager) by the worker thread only.
    PtNDArray scaledWeights;
    PtNDArray gradient;
    PtNDArray objective;

    /** Set by the worker before the clip's result completes. */
    volatile float objectiveValue;
    volatile DeviceGradient deviceAnswer;

    GradientWork(float[] weights, int videoHeight, int videoWidth, int top, int left, boolean onDevice) {
        this.weights = weights;
        this.videoHeight = videoHeight;
        this.videoWidth = videoWidth;
        this.top = top;
        this.left = left;
        this.onDevice = onDevice;
    }

    /** For an ensemble of input geometry {@code input}: the video centred on the canvas, as InputStacker puts it. */
    static GradientWork of(Manifest.Input input, float[] weights, boolean onDevice) {
        return new GradientWork(weights, input.videoHeight(), input.videoWidth(), (input.height() - input.videoHeight()) / 2,
                (input.width() - input.videoWidth()) / 2, onDevice);
    }

    /** Creates the device state in the clip's manager: the weights scaled per frame, and zero sums. */
    void prepare(PtNDManager clip, int neurons, int frames, WindowPlan plan, int members) {
        try (NDArray raw = clip.create(weights, new Shape(neurons, frames));
             NDArray divisor = clip.create(GradientBlend.divisor(plan, frames, members), new Shape(1, frames))) {
            scaledWeights = (PtNDArray) raw.div(divisor);
        }
        gradient = (PtNDArray) clip.zeros(new Shape(frames, (long) videoHeight * videoWidth), DataType.FLOAT32);
        objective = (PtNDArray) clip.zeros(new Shape(1), DataType.FLOAT32);
    }

    void forget() {
        scaledWeights = null;
        gradient = null;
        objective = null;
    }
}
