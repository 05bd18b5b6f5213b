package dwiseneuro.serve;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import jakarta.inject.Singleton;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * process_resident_memory_bytes: the resident set size, heap plus native memory (libtorch, CUDA host
 * buffers), which JVM metrics do not show. Dashboards and the soak test watch it for leaks.
 */
@Singleton
public class ProcessMemoryMetrics implements MeterBinder {

    private static final Path STATUS = Path.of("/proc/self/status");

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("process.resident.memory", ProcessMemoryMetrics::residentBytes)
                .baseUnit(BaseUnits.BYTES)
                .description("Resident set size: heap plus native memory (libtorch, CUDA host buffers)")
                .register(registry);
    }

    static double residentBytes() {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D+", "")) * 1024.0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }
}
