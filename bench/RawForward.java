import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import ai.djl.engine.Engine;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Raw TorchScript forward throughput in the service's own libtorch (DJL), without HTTP, queue or blend:
 * the members' {@code features} then {@code readout} on a random batch, as the service calls them.
 * A JDK single-file program run by bench/bench.py:
 *
 *   java -cp 'target/quarkus-app/lib/main/*' bench/RawForward.java threads=2 seconds=10 batches=1,8,32 member.pt...
 *
 * Prints one line per batch size: "batch B windows_per_s X", X being ensemble windows/s (one window
 * through every member: batch / sum of the members' times per call).
 */
public class RawForward {

    public static void main(String[] args) {
        int threads = 2;
        double seconds = 10;
        int[] batches = {1};
        List<Path> members = new ArrayList<>();
        for (String arg : args) {
            if (arg.startsWith("threads=")) {
                threads = Integer.parseInt(arg.substring(8));
            } else if (arg.startsWith("seconds=")) {
                seconds = Double.parseDouble(arg.substring(8));
            } else if (arg.startsWith("batches=")) {
                batches = Arrays.stream(arg.substring(8).split(",")).mapToInt(Integer::parseInt).toArray();
            } else {
                members.add(Path.of(arg));
            }
        }
        // The service's engine settings (PyTorchEngine): offline, intra-op threads, one inter-op thread.
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        PtNDManager root = (PtNDManager) Engine.getEngine("PyTorch").newBaseManager();
        JniUtils.setGradMode(false);
        List<PtSymbolBlock> blocks = new ArrayList<>();
        for (Path member : members) {
            blocks.add(JniUtils.loadModule(root, member, true, new String[0], new String[0], false));
        }
        for (int batch : batches) {
            double secondsPerWindowAllMembers = 0;
            for (PtSymbolBlock block : blocks) {
                try (PtNDManager manager = (PtNDManager) root.newSubManager()) {
                    PtNDArray input = (PtNDArray) manager.randomUniform(0, 255, new Shape(batch, 5, 16, 64, 64));
                    for (int i = 0; i < 3; i++) {
                        forward(block, input, manager);   // the graph executor profiles the first calls
                    }
                    long start = System.nanoTime();
                    int calls = 0;
                    while (System.nanoTime() - start < seconds / blocks.size() * 1e9 || calls < 3) {
                        forward(block, input, manager);
                        calls++;
                    }
                    secondsPerWindowAllMembers += (System.nanoTime() - start) / 1e9 / calls / batch;
                }
            }
            System.out.printf(Locale.ROOT, "batch %d windows_per_s %.3f%n", batch, 1 / secondsPerWindowAllMembers);
        }
    }

    private static void forward(PtSymbolBlock block, PtNDArray input, PtNDManager parent) {
        try (PtNDManager manager = (PtNDManager) parent.newSubManager()) {
            IValue features = IValueUtils.runMethod(block, "features", IValue.from(input));
            IValue readout = IValueUtils.runMethod(block, "readout", IValue.from(features.toTensor(manager)),
                    IValue.from(0L));
            readout.toTensor(manager);
            features.close();
            readout.close();
        }
    }
}
