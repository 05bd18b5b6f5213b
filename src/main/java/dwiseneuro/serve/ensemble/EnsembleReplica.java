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
     * Runs every member on a batch of {@code batch} random windows and checks that each readout
     * returns (batch, neurons, frames) as the manifest says: a member that does not match the manifest
     * never serves.
     */
    public void warmUp(Manifest manifest, int batch) {
        Manifest.Input input = manifest.input();
        int frames = manifest.frameStack().size();
        try (PtNDManager scratch = (PtNDManager) manager.newSubManager()) {
            PtNDArray windows = (PtNDArray) scratch.randomUniform(0f, 255f,
                    new Shape(batch, input.channels(), frames, input.height(), input.width()), DataType.FLOAT32);
            for (Member member : members) {
                PtNDArray features;
                try {
                    features = member.features(member.dataType() == DataType.FLOAT32 ? windows
                            : (PtNDArray) windows.toType(member.dataType(), false), scratch);
                } catch (RuntimeException e) {
                    throw new EnsembleException(member.entry().file() + ": the member fails on a window of the manifest's input shape "
                            + windows.getShape() + " (" + e.getMessage() + ")", e);
                }
                for (Manifest.Mouse mouse : manifest.mice()) {
                    Shape shape;
                    try {
                        shape = member.readout(features, mouse.index(), scratch).getShape();
                    } catch (RuntimeException e) {
                        throw new EnsembleException(member.entry().file() + ": has no readout " + mouse.index()
                                + " for mouse " + mouse.id() + " (" + e.getMessage() + ")", e);
                    }
                    Shape expected = new Shape(batch, mouse.neurons(), frames);
                    if (!shape.equals(expected)) {
                        throw new EnsembleException(member.entry().file() + ": readout of mouse " + mouse.id() + " returns "
                                + shape + ", the manifest implies " + expected);
                    }
                }
            }
        }
    }

    @Override
    public void close() {
        members.forEach(Member::close);
        manager.close();
    }
}
