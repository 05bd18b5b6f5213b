package dwiseneuro.serve.ensemble;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What an error from libtorch means for the device it ran on, read from its message (libtorch reports
 * CUDA errors as c10::Error text; DJL passes them on as EngineException).
 */
public final class DeviceErrors {

    public enum Kind {
        /** The batch did not fit: a smaller one may. Nothing else is affected. */
        OUT_OF_MEMORY,
        /** The CUDA context is unusable: every later call on the device fails (sticky CUDA errors, a lost GPU). */
        DEVICE_LOST,
        /** Anything else: the batch failed, the device is fine. */
        OTHER
    }

    // CUDA's sticky errors (cudaErrorIllegalAddress, cudaErrorAssert, cudaErrorLaunchFailure, ...) and a GPU
    // that left the bus, as libtorch words them. After any of these the process must restart.
    private static final List<String> DEVICE_LOST = List.of(
            "illegal memory access", "device-side assert", "unspecified launch failure", "misaligned address",
            "illegal instruction", "uncorrectable ecc error", "hardware stack error", "invalid program counter",
            "launch timed out", "gpu is lost", "fallen off the bus", "cuda error: unknown error");
    private static final List<String> OUT_OF_MEMORY = List.of(
            "out of memory", "can't allocate memory", "alloc_failed");

    private static final Pattern ERROR_LINE = Pattern.compile("[A-Za-z_][\\w.]*(Error|Exception): .*");

    private DeviceErrors() {
    }

    public static Kind classify(Throwable error) {
        for (Throwable e = error; e != null; e = e.getCause() == e ? null : e.getCause()) {
            String message = errorText(e).toLowerCase(Locale.ROOT);
            if (DEVICE_LOST.stream().anyMatch(message::contains)) {
                return Kind.DEVICE_LOST;
            }
            if (OUT_OF_MEMORY.stream().anyMatch(message::contains) && !(e instanceof OutOfMemoryError)) {
                return Kind.OUT_OF_MEMORY;
            }
        }
        return Kind.OTHER;
    }

    /**
     * The error's own text. An error raised inside TorchScript starts with the interpreter's traceback,
     * which quotes source lines (they may hold any words); the error itself is the last unindented
     * "SomethingError: ..." line and what follows it.
     */
    private static String errorText(Throwable error) {
        String message = error.getMessage() == null ? "" : error.getMessage();
        if (message.contains("Traceback of TorchScript")) {
            List<String> lines = message.lines().toList();
            for (int i = lines.size() - 1; i >= 0; i--) {
                if (ERROR_LINE.matcher(lines.get(i)).matches()) {
                    return String.join("\n", lines.subList(i, lines.size()));
                }
            }
        }
        return message;
    }

    /**
     * One line for logs, readiness and clients: the line naming the CUDA error when there is one (errors
     * raised inside TorchScript start with the interpreter's traceback), else the message's first line.
     */
    public static String summary(Throwable error) {
        List<String> lines = errorText(error).lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        for (String line : lines) {
            String lower = line.toLowerCase(Locale.ROOT);
            if (DEVICE_LOST.stream().anyMatch(lower::contains) || OUT_OF_MEMORY.stream().anyMatch(lower::contains)) {
                return line.replaceFirst("^builtins\\.", "");
            }
        }
        return lines.isEmpty() ? error.getClass().getSimpleName() : lines.get(0);
    }
}
