package dwiseneuro.serve.ensemble;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.LibUtils;

/** Starts DJL's PyTorch engine offline with the configured thread count. */
final class PyTorchEngine {

    private static final Pattern CACHE_DIR = Pattern.compile("\\d+\\.\\d+\\.\\d+(?:-[\\w.]+)?-(cpu[\\w-]*?|cu\\d+)-[a-z]+-[\\w]+");

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

    /**
     * The flavor (cpu, cu121, ...) of the libtorch the engine loaded, from DJL's cache folder name
     * (VERSION-FLAVOR-CLASSIFIER); null when libtorch came from elsewhere (PYTORCH_LIBRARY_PATH).
     */
    static String nativeFlavor() {
        try {
            return flavorOf(Path.of(LibUtils.getLibtorchPath()).getFileName().toString());
        } catch (RuntimeException e) {
            return null;
        }
    }

    static String flavorOf(String folderName) {
        Matcher m = CACHE_DIR.matcher(folderName);
        return m.matches() ? m.group(1) : null;
    }
}
