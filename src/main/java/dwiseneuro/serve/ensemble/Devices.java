package dwiseneuro.serve.ensemble;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import ai.djl.Device;
import ai.djl.engine.Engine;

/** Turns the {@code dwiseneuro.devices} setting into DJL devices. */
public final class Devices {

    private Devices() {
    }

    /** "auto": every visible GPU, else the CPU; "cpu"; or a list such as "gpu0,gpu1". */
    public static List<Device> parse(String setting, Engine engine) {
        List<Device> devices = new ArrayList<>();
        if ("auto".equalsIgnoreCase(setting.trim())) {
            int gpus = engine.getGpuCount();
            for (int i = 0; i < gpus; i++) {
                devices.add(Device.gpu(i));
            }
            if (devices.isEmpty()) {
                devices.add(Device.cpu());
            }
            return devices;
        }
        for (String name : setting.split(",")) {
            String trimmed = name.trim().toLowerCase();
            if (trimmed.equals("cpu")) {
                devices.add(Device.cpu());
            } else if (trimmed.matches("gpu\\d+")) {
                int id = Integer.parseInt(trimmed.substring(3));
                if (id >= engine.getGpuCount()) {
                    throw new EnsembleException("dwiseneuro.devices names " + trimmed + " but "
                            + engine.getGpuCount() + " GPU(s) are visible");
                }
                devices.add(Device.gpu(id));
            } else {
                throw new EnsembleException("dwiseneuro.devices: unknown device '" + name + "' (use auto, cpu or gpuN)");
            }
        }
        return devices;
    }

    /**
     * The warning for "auto" ending on the CPU, which it does silently otherwise: with CPU natives the
     * service never sees a GPU, however many the machine has. {@code flavor} is the loaded libtorch's
     * (cpu, cu121, ...; null when unknown).
     */
    public static Optional<String> autoOnCpuWarning(String setting, List<Device> devices, String flavor) {
        if (!"auto".equalsIgnoreCase(setting.trim()) || devices.stream().anyMatch(d -> d.isGpu())) {
            return Optional.empty();
        }
        String silence = " Set dwiseneuro.devices=cpu to serve on the CPU without this warning.";
        if (flavor != null && flavor.startsWith("cpu")) {
            return Optional.of("dwiseneuro.devices=auto: serving on the CPU because this build has CPU natives only "
                    + "(ai.djl.pytorch:pytorch-native-cpu, libtorch flavor " + flavor + "): it cannot use a GPU even where "
                    + "one is present. For GPUs build the GPU variant: ./mvnw -Pgpu package (the gpu Maven profile, "
                    + "pytorch-native-cu121), or the image of Dockerfile.jvm (docker build -f Dockerfile.jvm ., run "
                    + "with --gpus all)." + silence);
        }
        return Optional.of("dwiseneuro.devices=auto: no GPU is visible to libtorch (flavor "
                + (flavor == null ? "unknown" : flavor) + "), serving on the CPU. Check the NVIDIA driver, that "
                + "libcudart.so is on the library path (DJL loads it to count GPUs; the images set "
                + "-Djna.library.path=/usr/local/cuda/lib64), and that the container has the GPU (docker run --gpus all, "
                + "the nvidia.com/gpu resource in Kubernetes)." + silence);
    }

    /**
     * The warning for float32 on a GPU with TF32 allowed: cuDNN then runs float32 convolutions in TF32 on
     * Ampere and newer, which is not equal to the original predictor to 1e-4. bin/serve and the images set
     * NVIDIA_TF32_OVERRIDE=0 unless DWISENEURO_TF32=1 asks for TF32.
     */
    public static Optional<String> tf32Warning(List<Device> devices, String tf32Override, String optIn) {
        if (devices.stream().noneMatch(d -> d.isGpu()) || "0".equals(tf32Override)) {
            return Optional.empty();
        }
        if ("1".equals(optIn)) {
            return Optional.of("TF32 allowed on the GPUs (DWISENEURO_TF32=1): float32 convolutions run in TF32 (10-bit "
                    + "mantissa) on Ampere and newer; responses are not equal to the original predictor to 1e-4.");
        }
        return Optional.of("NVIDIA_TF32_OVERRIDE is not 0: cuDNN may run float32 convolutions in TF32 on Ampere and "
                + "newer GPUs, and responses would differ from the original predictor by more than 1e-4. Start the "
                + "service through bin/serve or the images (they set NVIDIA_TF32_OVERRIDE=0), or set it yourself.");
    }
}
