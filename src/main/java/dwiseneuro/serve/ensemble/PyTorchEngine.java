package dwiseneuro.serve.ensemble;

import ai.djl.engine.Engine;

/** Starts DJL's PyTorch engine offline with the configured thread count. */
final class PyTorchEngine {

    private PyTorchEngine() {
    }

    static Engine start(int threads) {
        // DJL reads these once, when the engine starts; they are JVM-global.
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        if (threads > 0) {
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        }
        return Engine.getEngine("PyTorch");
    }
}
