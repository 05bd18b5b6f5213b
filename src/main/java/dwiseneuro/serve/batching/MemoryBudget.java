package dwiseneuro.serve.batching;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes of model input that queued clips may hold, on the heap (stacked) and then on the device. The
 * window bound of the queue does not bound memory: a clip's input is 5 x frames x 64 x 64 float32
 * (80 KiB a frame), so a 31-frame clip holds 2.5 MiB for its single window, and a full queue of
 * short clips would hold gigabytes (the soak test ran a 512 MiB heap out of memory with 256 queued
 * windows). A clip reserves its bytes before its input is built and returns them when it is released.
 */
final class MemoryBudget {

    private final long capacity;
    private final AtomicLong used = new AtomicLong();

    MemoryBudget(long capacity) {
        this.capacity = capacity;
    }

    long capacity() {
        return capacity;
    }

    long used() {
        return used.get();
    }

    /** Takes {@code bytes} if they fit. */
    boolean tryReserve(long bytes) {
        while (true) {
            long now = used.get();
            if (now + bytes > capacity) {
                return false;
            }
            if (used.compareAndSet(now, now + bytes)) {
                return true;
            }
        }
    }

    void release(long bytes) {
        used.addAndGet(-bytes);
    }

    static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
    }
}
