import java.io.File;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import ai.djl.engine.Engine;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import org.openlca.npy.Npy;
import org.openlca.npy.NpyFloatArray;

/**
 * Calls an exported member's methods in the service's libtorch (DJL 0.29, PyTorch 2.3.1) and writes
 * what they return, for test_member_methods.py to compare with the trainer's eager model:
 *
 *   java -cp 'target/quarkus-app/lib/main/*' src/test/cross/MemberMethods.java X.npy WEIGHTS.npy MOUSE OUT_DIR MEMBER.pt...
 *
 * For each member, OUT_DIR/NAME.{features,readout,objective,gradient}.f32 (raw little-endian float32)
 * and NAME.dtypes (the dtypes the methods returned). features and readout run through
 * IValueUtils.runMethod as the service calls them; input_gradient through DJL's native run with
 * isTrain = true (runMethod runs in inference mode, where autograd cannot work), on a module loaded
 * with trainParam = true (otherwise the weights are inference tensors), with grad mode off on the
 * thread: the member switches it on for the call.
 */
public class MemberMethods {

    public static void main(String[] args) throws Throwable {
        System.setProperty("ai.djl.offline", "true");
        NpyFloatArray x = (NpyFloatArray) Npy.read(new File(args[0]));
        NpyFloatArray weights = (NpyFloatArray) Npy.read(new File(args[1]));
        long mouse = Long.parseLong(args[2]);
        Path out = Path.of(args[3]);
        PtNDManager root = (PtNDManager) Engine.getEngine("PyTorch").newBaseManager();
        JniUtils.setGradMode(false);
        for (int i = 4; i < args.length; i++) {
            Path file = Path.of(args[i]);
            String name = file.getFileName().toString().replace(".pt", "");
            try (PtNDManager manager = (PtNDManager) root.newSubManager()) {
                PtSymbolBlock block = JniUtils.loadModule(manager, file, true, new String[0], new String[0], true);
                PtNDArray input = (PtNDArray) manager.create(x.data(), shape(x.shape()));
                PtNDArray w = (PtNDArray) manager.create(weights.data(), shape(weights.shape()));
                PtNDArray features = IValueUtils.runMethod(block, "features", IValue.from(input)).toTensor(manager);
                PtNDArray readout = IValueUtils.runMethod(block, "readout", IValue.from(features), IValue.from(mouse))
                        .toTensor(manager);
                IValue[] pair = runWithAutograd(block, "input_gradient", IValue.from(input), IValue.from(mouse),
                        IValue.from(w)).toIValueTuple();
                PtNDArray objective = pair[0].toTensor(manager);
                PtNDArray gradient = pair[1].toTensor(manager);
                write(out.resolve(name + ".features.f32"), features.toFloatArray());
                write(out.resolve(name + ".readout.f32"), readout.toFloatArray());
                write(out.resolve(name + ".objective.f32"), objective.toFloatArray());
                write(out.resolve(name + ".gradient.f32"), gradient.toFloatArray());
                Files.writeString(out.resolve(name + ".dtypes"), features.getDataType() + " " + readout.getDataType()
                        + " " + objective.getDataType() + " " + gradient.getDataType() + "\n");
                System.out.println(name + ": ok");
            }
        }
    }

    private static Shape shape(int[] dims) {
        return new Shape(Arrays.stream(dims).mapToLong(d -> d).toArray());
    }

    private static void write(Path path, float[] values) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(values);
        Files.write(path, buffer.array());
    }

    /** DJL's package-private native run with isTrain = true: no inference-mode guard. */
    private static IValue runWithAutograd(PtSymbolBlock block, String method, IValue... inputs) throws Throwable {
        Class<?> library = Class.forName("ai.djl.pytorch.jni.PyTorchLibrary");
        Field instance = library.getDeclaredField("LIB");
        instance.setAccessible(true);
        Method run = library.getDeclaredMethod("moduleRunMethod",
                long.class, String.class, long[].class, boolean.class, boolean.class);
        run.setAccessible(true);
        MethodHandle handle = MethodHandles.lookup().unreflect(run);
        long[] handles = Arrays.stream(inputs).mapToLong(IValue::getHandle).toArray();
        long result = (long) handle.invoke(instance.get(null), block.getHandle().longValue(), method, handles, true, false);
        Constructor<IValue> wrap = IValue.class.getDeclaredConstructor(long.class);
        wrap.setAccessible(true);
        return wrap.newInstance(result);
    }
}
