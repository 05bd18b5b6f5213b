package dwiseneuro.serve.ensemble;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import ai.djl.engine.EngineException;

/** Which libtorch errors split a batch, which take the device down, and the line that names them. */
class DeviceErrorsTest {

    /** An error raised inside TorchScript, as DJL passes it on: the interpreter's traceback quotes source lines. */
    private static EngineException scripted(String quotedSource, String error) {
        return new EngineException("The following operation failed in the TorchScript interpreter.\n"
                + "Traceback of TorchScript, serialized code (most recent call last):\n"
                + "  File \"code/__torch__.py\", line 48, in features\n"
                + "    " + quotedSource + "\n"
                + "    ~~~~~~ <--- HERE\n"
                + error + "\n");
    }

    @Test
    void outOfMemoryAndLostDevicesAreToldApart() {
        EngineException oom = new EngineException("CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 79.15 GiB total "
                + "capacity; 76.20 GiB already allocated)\nException raised from malloc at c10/cuda/CUDACachingAllocator.cpp");
        assertEquals(DeviceErrors.Kind.OUT_OF_MEMORY, DeviceErrors.classify(oom));
        assertEquals(DeviceErrors.Kind.OUT_OF_MEMORY, DeviceErrors.classify(new RuntimeException("wrapped", oom)));
        assertEquals(DeviceErrors.Kind.OUT_OF_MEMORY, DeviceErrors.classify(new EngineException(
                "[enforce fail at alloc_cpu.cpp:114] data. DefaultCPUAllocator: can't allocate memory: you tried to allocate 8589934592 bytes")));
        for (String lost : new String[] {"CUDA error: an illegal memory access was encountered",
                "CUDA error: device-side assert triggered", "CUDA error: unspecified launch failure",
                "CUDA error: uncorrectable ECC error encountered"}) {
            assertEquals(DeviceErrors.Kind.DEVICE_LOST, DeviceErrors.classify(new EngineException(lost
                    + "\nCUDA kernel errors might be asynchronously reported at some other API call")), lost);
        }
        assertEquals(DeviceErrors.Kind.OTHER, DeviceErrors.classify(new EngineException("shape '[2, 3]' is invalid")));
        assertEquals(DeviceErrors.Kind.OTHER, DeviceErrors.classify(new OutOfMemoryError("Java heap space")));
    }

    @Test
    void onlyTheErrorCountsNotTheSourceTheTracebackQuotes() {
        EngineException oom = scripted("raise RuntimeError(\"CUDA error: an illegal memory access was encountered\")",
                "builtins.RuntimeError: CUDA out of memory. Tried to allocate 20.00 MiB");
        assertEquals(DeviceErrors.Kind.OUT_OF_MEMORY, DeviceErrors.classify(oom));
        assertEquals("RuntimeError: CUDA out of memory. Tried to allocate 20.00 MiB", DeviceErrors.summary(oom));
        EngineException other = scripted("x = torch.empty(0)  # out of memory?", "builtins.RuntimeError: sentinel window");
        assertEquals(DeviceErrors.Kind.OTHER, DeviceErrors.classify(other));
        assertEquals("builtins.RuntimeError: sentinel window", DeviceErrors.summary(other));
    }
}
