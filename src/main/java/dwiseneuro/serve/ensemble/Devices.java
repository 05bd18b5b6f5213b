package dwiseneuro.serve.ensemble;

import java.util.ArrayList;
import java.util.List;

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
}
