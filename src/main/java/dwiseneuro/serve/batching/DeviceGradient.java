package dwiseneuro.serve.batching;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * A gradient answered on the device: dJ / dvideo (height, width, frames) in its own manager on the
 * device of the input, and the objective J. The receiver closes it.
 */
public record DeviceGradient(NDArray gradient, float objective, NDManager manager) implements AutoCloseable {

    @Override
    public void close() {
        manager.close();
    }
}
