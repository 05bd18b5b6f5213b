package dwiseneuro.serve.deploy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.LibUtils;

/**
 * Run in a separate JVM by DjlPreextractTest: starts DJL's PyTorch engine (from DJL_CACHE_DIR) and
 * prints what the test checks.
 */
public final class DjlEngineProbe {

    private DjlEngineProbe() {
    }

    public static void main(String[] args) {
        Engine engine = Engine.getEngine("PyTorch");
        System.out.println("user " + System.getProperty("user.name"));
        System.out.println("engine " + engine.getEngineName() + " " + engine.getVersion());
        System.out.println("libtorch " + LibUtils.getLibtorchPath());
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.create(new float[] {1, 2, 3});
            System.out.println("sum " + a.sum().getFloat());
        }
    }
}
