package dwiseneuro.serve.ensemble;

import java.util.List;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;

/** Every member of the ensemble loaded on one device, with the device's own memory manager. */
public record EnsembleReplica(Device device, PtNDManager manager, List<Member> members) implements AutoCloseable {

    /**
     * Runs every member on a batch of {@code batch} random float32 windows and checks that each readout
     * returns float32 (batch, neurons, frames) as the manifest says: a member that does not match the
     * manifest never serves. The largest batch the service will run goes first, so that a max-batch that
     * does not fit on the device fails here, by name, rather than in the first requests.
     */
    public void warmUp(Manifest manifest, int batch) {
        Manifest.Input input = manifest.input();
        int frames = manifest.frameStack().size();
        try (PtNDManager scratch = (PtNDManager) manager.newSubManager()) {
            PtNDArray windows = (PtNDArray) scratch.randomUniform(0f, 255f,
                    new Shape(batch, input.channels(), frames, input.height(), input.width()), DataType.FLOAT32);
            for (Member member : members) {
                String file = member.entry().file();
                PtNDArray features;
                try {
                    features = member.features(windows, scratch);
                } catch (RuntimeException e) {
                    throw new EnsembleException(file + ": the member fails on a batch of " + batch + " windows of the manifest's "
                            + "input shape " + windows.getShape() + " on " + device + " (" + e.getMessage() + ")"
                            + (DeviceErrors.classify(e) == DeviceErrors.Kind.OUT_OF_MEMORY
                                    ? "; lower dwiseneuro.batching.max-batch" : ""), e);
                }
                requireFloat32(file, "features", features);
                for (Manifest.Mouse mouse : manifest.mice()) {
                    PtNDArray output;
                    try {
                        output = member.readout(features, mouse.index(), scratch);
                    } catch (RuntimeException e) {
                        throw new EnsembleException(file + ": has no readout " + mouse.index()
                                + " for mouse " + mouse.id() + " (" + e.getMessage() + ")", e);
                    }
                    requireFloat32(file, "readout", output);
                    Shape expected = new Shape(batch, mouse.neurons(), frames);
                    if (!output.getShape().equals(expected)) {
                        throw new EnsembleException(file + ": readout of mouse " + mouse.id() + " returns "
                                + output.getShape() + ", the manifest implies " + expected);
                    }
                }
            }
        }
    }

    private static void requireFloat32(String file, String method, PtNDArray output) {
        if (output.getDataType() != DataType.FLOAT32) {
            throw new EnsembleException(file + ": " + method + " returns " + output.getDataType() + "; members must return "
                    + "float32 whatever their compute dtype: re-export with `trainer/bin/trainer convert MODELS_DIR --out NEW_DIR`");
        }
    }

    @Override
    public void close() {
        members.forEach(Member::close);
        manager.close();
    }
}
