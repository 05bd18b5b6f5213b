package dwiseneuro.serve.ensemble;

import java.nio.file.Path;

import ai.djl.Device;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;

/**
 * One fold model of the ensemble loaded on one device. It exposes the two halves the trainer exports:
 * {@code features} (core and cortex, shared by all mice) and {@code readout} (one mouse), so that one
 * batch can hold windows of several mice.
 */
public final class Member implements AutoCloseable {

    private final Manifest.MemberEntry entry;
    private final Device device;
    private final PtNDManager manager;
    private final PtSymbolBlock block;

    private Member(Manifest.MemberEntry entry, Device device, PtNDManager manager, PtSymbolBlock block) {
        this.entry = entry;
        this.device = device;
        this.manager = manager;
        this.block = block;
    }

    /** Loads the TorchScript file of {@code entry} onto {@code device}, failing with the file's name. */
    public static Member load(Path folder, Manifest.MemberEntry entry, Device device, PtNDManager parent) {
        Path file = folder.resolve(entry.file());
        PtNDManager manager = (PtNDManager) parent.newSubManager(device);
        try {
            // trainParam true: DJL otherwise loads the weights as inference tensors, which autograd cannot
            // save for backward (input_gradient). The module stays in eval mode; outputs are bitwise the same.
            PtSymbolBlock block = JniUtils.loadModule(manager, file, true, new String[0], new String[0], true);
            return new Member(entry, device, manager, block);
        } catch (RuntimeException e) {
            manager.close();
            throw new EnsembleException(file + ": not a loadable TorchScript member (" + e.getMessage() + ")", e);
        }
    }

    public String name() {
        return entry.stage() + "-fold_" + entry.fold();
    }

    public Manifest.MemberEntry entry() {
        return entry;
    }

    public Device device() {
        return device;
    }

    /** (batch, 5, 16, H, W) float32 -> (batch, features, 16) float32, attached to {@code into}. */
    public PtNDArray features(PtNDArray input, PtNDManager into) {
        return call("features", into, IValue.from(input));
    }

    /**
     * One mouse's readout of {@code features}: (batch, neurons, 16) float32, attached to {@code into}.
     * Members take and return float32 whatever their compute dtype (any cast is inside TorchScript), so
     * nothing is cast here.
     */
    public PtNDArray readout(PtNDArray features, int mouse, PtNDManager into) {
        return call("readout", into, IValue.from(features), IValue.from((long) mouse));
    }

    /** What {@code input_gradient} returns: the objective per row (batch,) and its gradient, shaped like the input. */
    public record InputGradient(PtNDArray objective, PtNDArray gradient) {
    }

    /**
     * The gradient of sum over (neurons, 16) of {@code weights} x readout(features(input), mouse), per row,
     * with respect to {@code input} (batch, 5, 16, H, W), both float32 and attached to {@code into}.
     * Grad mode must be on in the calling thread ({@link JniUtils#setGradMode}); only members whose
     * manifest lists {@code input_gradient} have it.
     */
    public InputGradient inputGradient(PtNDArray input, int mouse, PtNDArray weights, PtNDManager into) {
        IValue[] inputs = {IValue.from(input), IValue.from((long) mouse), IValue.from(weights)};
        IValue output = null;
        IValue[] parts = new IValue[0];
        try {
            output = GradRun.runMethod(block, Manifest.MemberEntry.INPUT_GRADIENT, inputs);
            parts = output.toIValueTuple();
            return new InputGradient(parts[0].toTensor(into), parts[1].toTensor(into));
        } finally {
            closeAll(inputs);
            closeAll(parts);
            if (output != null) {
                output.close();
            }
        }
    }

    private static void closeAll(IValue[] values) {
        for (IValue value : values) {
            value.close();
        }
    }

    private PtNDArray call(String method, PtNDManager into, IValue... inputs) {
        IValue output = null;
        try {
            output = IValueUtils.runMethod(block, method, inputs);
            return output.toTensor(into);
        } finally {
            for (IValue input : inputs) {
                input.close();
            }
            if (output != null) {
                output.close();
            }
        }
    }

    @Override
    public void close() {
        block.close();
        manager.close();
    }
}
