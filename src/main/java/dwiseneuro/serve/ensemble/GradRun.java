package dwiseneuro.serve.ensemble;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.Arrays;

import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;

/**
 * Runs a TorchScript method with autograd as the calling thread has it. DJL 0.29's public
 * {@code IValueUtils.runMethod} always passes {@code isTrain = false} to its native call, which then runs
 * the method under a no-grad guard, so {@code input_gradient}'s {@code torch.autograd.grad} fails there.
 * The same native call with {@code isTrain = true} only leaves the guard out (the module stays in eval
 * mode: no dropout, BatchNorm statistics unchanged); it is package-private in DJL, hence the handles.
 */
final class GradRun {

    private static final boolean CUDA_STREAM = Boolean.getBoolean("ai.djl.pytorch.enable_cuda_stream");
    private static final Object LIBRARY;
    private static final MethodHandle RUN_METHOD;
    private static final MethodHandle IVALUE;

    static {
        try {
            Class<?> library = Class.forName("ai.djl.pytorch.jni.PyTorchLibrary");
            Field instance = library.getDeclaredField("LIB");
            instance.setAccessible(true);
            LIBRARY = instance.get(null);
            Method run = library.getDeclaredMethod("moduleRunMethod",
                    long.class, String.class, long[].class, boolean.class, boolean.class);
            run.setAccessible(true);
            RUN_METHOD = MethodHandles.lookup().unreflect(run);
            Constructor<IValue> wrap = IValue.class.getDeclaredConstructor(long.class);
            wrap.setAccessible(true);
            IVALUE = MethodHandles.lookup().unreflectConstructor(wrap);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError("DJL's PyTorchLibrary.moduleRunMethod or IValue(long) is not "
                    + "where DJL 0.29 has it: " + e);
        }
    }

    private GradRun() {
    }

    /** {@code block.method(inputs)} outside DJL's no-grad guard; the caller closes the returned IValue. */
    static IValue runMethod(PtSymbolBlock block, String method, IValue... inputs) {
        long[] handles = Arrays.stream(inputs).mapToLong(IValue::getHandle).toArray();
        try {
            long result = (long) RUN_METHOD.invoke(LIBRARY, block.getHandle().longValue(), method, handles, true, CUDA_STREAM);
            return (IValue) IVALUE.invoke(result);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }
}
