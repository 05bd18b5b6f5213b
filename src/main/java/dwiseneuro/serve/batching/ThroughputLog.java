package dwiseneuro.serve.batching;

import java.util.function.IntSupplier;

import org.jboss.logging.Logger;

/** Logs windows/s, batches and mean batch size since the previous line, when there was work. */
final class ThroughputLog implements Runnable {

    private static final Logger LOG = Logger.getLogger(ThroughputLog.class);

    private final BatchingMetrics metrics;
    private final IntSupplier queued;
    private long lastWindows;
    private long lastBatches;
    private long lastNanos = System.nanoTime();

    ThroughputLog(BatchingMetrics metrics, IntSupplier queued) {
        this.metrics = metrics;
        this.queued = queued;
    }

    @Override
    public void run() {
        long now = System.nanoTime();
        long windows = metrics.windowsRun.get();
        long batches = metrics.batchesRun.get();
        long dw = windows - lastWindows;
        long db = batches - lastBatches;
        if (dw > 0 || queued.getAsInt() > 0) {
            double seconds = (now - lastNanos) / 1e9;
            LOG.infof("Throughput: %.1f windows/s, %d batches (mean %.1f windows), %d windows queued",
                    dw / seconds, db, db == 0 ? 0.0 : (double) dw / db, queued.getAsInt());
        }
        lastWindows = windows;
        lastBatches = batches;
        lastNanos = now;
    }
}
