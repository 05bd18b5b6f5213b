import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;

/**
 * What TorchScript's profiling graph executor costs and gains for the service's calls (issue 11): call
 * times for a sequence of batch sizes, as the service meets them, in three modes, each on a freshly
 * loaded member (no plans left from another mode):
 *
 *   off     the graph executor's optimisation off (JniUtils.setGraphExecutorOptimize(false), the service's default)
 *   on      on (libtorch's default, and what IValueUtils.runMethod gets unless the calling thread sets it):
 *           every new batch size, and every new per-mouse row count of the readout, is profiled and
 *           specialised again
 *   padded  on, every batch padded to the sequence's largest size, so that only one shape is ever seen
 *
 * Each call is what the service does per member and batch: features on B windows, then the readout of
 * mouse 0 on the first half of the rows and of mouse 1 on the rest (mouse 0 only for single-readout
 * members). A JDK single-file program in the service's libtorch (DJL):
 *
 *   java -cp 'target/quarkus-app/lib/main/*' bench/GraphExecutor.java threads=2 sizes=32,32,7,19,1,32,13 rounds=2 member.pt
 *
 * Prints one line per call ("mode M round R batch B ms X") and one summary line per mode and round
 * ("mode M round R total_ms X windows_per_s Y", windows that were asked for, padding not counted).
 */
public class GraphExecutor {

    public static void main(String[] args) {
        int threads = 2;
        int rounds = 2;
        int[] sizes = {32, 32, 7, 19, 1, 32, 13};
        Path member = null;
        for (String arg : args) {
            if (arg.startsWith("threads=")) {
                threads = Integer.parseInt(arg.substring(8));
            } else if (arg.startsWith("rounds=")) {
                rounds = Integer.parseInt(arg.substring(7));
            } else if (arg.startsWith("sizes=")) {
                sizes = Arrays.stream(arg.substring(6).split(",")).mapToInt(Integer::parseInt).toArray();
            } else {
                member = Path.of(arg);
            }
        }
        if (member == null) {
            throw new IllegalArgumentException("no member file given");
        }
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        PtNDManager root = (PtNDManager) Engine.getEngine("PyTorch").newBaseManager();
        JniUtils.setGradMode(false);
        int largest = Arrays.stream(sizes).max().orElseThrow();
        boolean twoMice = readouts(member, root) > 1;
        for (String mode : List.of("off", "on", "padded")) {
            JniUtils.setGraphExecutorOptimize(!mode.equals("off"));
            try (PtNDManager modeManager = (PtNDManager) root.newSubManager()) {
                PtSymbolBlock block = JniUtils.loadModule(modeManager, member, true, new String[0], new String[0], false);
                for (int round = 1; round <= rounds; round++) {
                    long total = 0;
                    int windows = 0;
                    for (int batch : sizes) {
                        int rows = mode.equals("padded") ? largest : batch;
                        try (PtNDManager manager = (PtNDManager) modeManager.newSubManager()) {
                            PtNDArray input = (PtNDArray) manager.randomUniform(0, 255, new Shape(rows, 5, 16, 64, 64));
                            long start = System.nanoTime();
                            call(block, input, batch, twoMice, manager);
                            long nanos = System.nanoTime() - start;
                            total += nanos;
                            windows += batch;
                            System.out.printf(Locale.ROOT, "mode %s round %d batch %d ms %.1f%n", mode, round, batch, nanos / 1e6);
                        }
                    }
                    System.out.printf(Locale.ROOT, "mode %s round %d total_ms %.1f windows_per_s %.3f%n", mode, round,
                            total / 1e6, windows / (total / 1e9));
                }
                block.close();
            }
        }
    }

    /** One member's work on one batch, as DeviceWorker does it; only the first {@code batch} rows are used. */
    private static void call(PtSymbolBlock block, PtNDArray input, int batch, boolean twoMice, PtNDManager manager) {
        IValue features = IValueUtils.runMethod(block, "features", IValue.from(input));
        PtNDArray all = features.toTensor(manager);
        int first = twoMice ? (batch + 1) / 2 : batch;
        readout(block, rows(all, 0, first, manager), 0, manager);
        if (twoMice && batch > first) {
            readout(block, rows(all, first, batch, manager), 1, manager);
        }
        features.close();
    }

    private static PtNDArray rows(PtNDArray array, int from, int to, PtNDManager manager) {
        if (from == 0 && to == array.getShape().get(0)) {
            return array;
        }
        NDArray part = array.get(new NDIndex("{}:{}", from, to));
        part.attach(manager);
        return (PtNDArray) part;
    }

    private static void readout(PtSymbolBlock block, PtNDArray features, int mouse, PtNDManager manager) {
        IValue output = IValueUtils.runMethod(block, "readout", IValue.from(features), IValue.from((long) mouse));
        output.toTensor(manager).toFloatArray(); // copied back, as the blend's end would be on a GPU
        output.close();
    }

    /** 2 when the member has a second readout, else 1 (probed on one window, on a copy loaded for this only). */
    private static int readouts(Path member, PtNDManager parent) {
        JniUtils.setGraphExecutorOptimize(false);
        try (PtNDManager manager = (PtNDManager) parent.newSubManager()) {
            PtSymbolBlock block = JniUtils.loadModule(manager, member, true, new String[0], new String[0], false);
            PtNDArray input = (PtNDArray) manager.zeros(new Shape(1, 5, 16, 64, 64));
            PtNDArray features = IValueUtils.runMethod(block, "features", IValue.from(input)).toTensor(manager);
            try {
                IValueUtils.runMethod(block, "readout", IValue.from(features), IValue.from(1L)).toTensor(manager);
                return 2;
            } catch (RuntimeException e) {
                return 1;
            } finally {
                block.close();
            }
        }
    }
}
