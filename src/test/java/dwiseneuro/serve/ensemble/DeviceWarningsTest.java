package dwiseneuro.serve.ensemble;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import ai.djl.Device;

/** The start-up warnings about devices: "auto" ending on the CPU, and TF32 left allowed on GPUs. */
class DeviceWarningsTest {

    @Test
    void autoOnCpuNativesSaysHowToBuildTheGpuVariant() {
        String warning = Devices.autoOnCpuWarning("auto", List.of(Device.cpu()), "cpu").orElseThrow();
        System.out.println(warning);
        assertTrue(warning.contains("CPU natives only"), warning);
        assertTrue(warning.contains("-Pgpu") && warning.contains("Dockerfile.jvm"), warning);
        String cuda = Devices.autoOnCpuWarning("auto", List.of(Device.cpu()), "cu121").orElseThrow();
        assertTrue(cuda.contains("no GPU is visible") && !cuda.contains("CPU natives only"), cuda);
        assertTrue(Devices.autoOnCpuWarning("AUTO", List.of(Device.cpu()), null).orElseThrow().contains("flavor unknown"));
        assertEquals(Optional.empty(), Devices.autoOnCpuWarning("cpu", List.of(Device.cpu()), "cpu"), "cpu asked for");
        assertEquals(Optional.empty(), Devices.autoOnCpuWarning("auto", List.of(Device.gpu(0)), "cu121"), "GPUs found");
    }

    @Test
    void theLoadedLibtorchFlavorIsReadFromDjlsCacheFolder() {
        assertEquals("cpu", PyTorchEngine.flavorOf("2.3.1-cpu-linux-x86_64"));
        assertEquals("cu121", PyTorchEngine.flavorOf("2.3.1-cu121-linux-x86_64"));
        assertEquals("cpu-precxx11", PyTorchEngine.flavorOf("2.3.1-cpu-precxx11-linux-x86_64"));
        assertEquals(null, PyTorchEngine.flavorOf("libtorch"));
    }

    @Test
    void tf32IsReportedOnlyWhereItCanChangeTheNumbers() {
        List<Device> gpu = List.of(Device.gpu(0));
        assertEquals(Optional.empty(), Devices.tf32Warning(gpu, "0", null), "TF32 off");
        assertEquals(Optional.empty(), Devices.tf32Warning(List.of(Device.cpu()), null, null), "no TF32 on CPUs");
        assertTrue(Devices.tf32Warning(gpu, null, null).orElseThrow().contains("NVIDIA_TF32_OVERRIDE is not 0"));
        assertTrue(Devices.tf32Warning(gpu, null, "1").orElseThrow().contains("DWISENEURO_TF32=1"));
    }
}
