package dwiseneuro.serve.batching;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The batching metrics (names are a contract, see k8s/ dashboards and alerts):
 * dwiseneuro_batch_windows, dwiseneuro_queue_wait_seconds{priority}, dwiseneuro_batch_seconds{member},
 * dwiseneuro_queue_windows{device,priority}, dwiseneuro_windows_total, dwiseneuro_windows_scheduled_total{priority},
 * dwiseneuro_rejected_total{reason},
 * dwiseneuro_batch_splits_total.
 */
final class BatchingMetrics {

    private final MeterRegistry registry;
    private final DistributionSummary batchWindows;
    private final Map<Priority, Timer> queueWait = new EnumMap<>(Priority.class);
    private final Timer batchTime;
    private final Counter windows;
    private final Counter splits;
    private final ConcurrentHashMap<String, Timer> memberTimers = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> rejections = new ConcurrentHashMap<>();
    /** Known reasons, registered at zero so that rate() over them works before the first refusal. */
    static final String[] REASONS = {"queue_full", "deadline", "client_gone", "batch_failure", "shutting_down", "device_failed"};
    // Totals for the periodic throughput log line.
    final AtomicLong windowsRun = new AtomicLong();
    final AtomicLong batchesRun = new AtomicLong();
    final AtomicLong batchNanos = new AtomicLong();

    BatchingMetrics(MeterRegistry registry) {
        this.registry = registry;
        batchWindows = DistributionSummary.builder("dwiseneuro.batch.windows")
                .description("Windows per batch run on a device")
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128, 256)
                .register(registry);
        for (Priority priority : Priority.values()) {
            // Background windows wait by design; alerts and the autoscaler select priority="interactive".
            queueWait.put(priority, Timer.builder("dwiseneuro.queue.wait")
                    .description("Time a window waits in the queue before its batch runs, by priority")
                    .tag("priority", priority.tag())
                    .publishPercentileHistogram()
                    .register(registry));
        }
        batchTime = Timer.builder("dwiseneuro.batch")
                .description("Device time per batch, all members (member=all) or one member")
                .tag("member", "all")
                .publishPercentileHistogram()
                .register(registry);
        windows = Counter.builder("dwiseneuro.windows")
                .description("Windows run through every member of the ensemble")
                .register(registry);
        splits = Counter.builder("dwiseneuro.batch.splits")
                .description("Batches run as two halves after the device ran out of memory on them")
                .register(registry);
        for (String reason : REASONS) {
            rejected(reason, 0);
        }
    }

    /** The device's queue depth by priority, and the windows it handed to batches by priority. */
    void queueMeters(String device, WindowQueue queue) {
        for (Priority priority : Priority.values()) {
            Gauge.builder("dwiseneuro.queue.windows", queue, q -> q.pending(priority))
                    .description("Windows waiting in the device's queue, by priority")
                    .tags("device", device, "priority", priority.tag())
                    .register(registry);
            FunctionCounter.builder("dwiseneuro.windows.scheduled", queue, q -> q.taken(priority))
                    .description("Windows taken from the device's queue into a batch, by priority")
                    .tags("device", device, "priority", priority.tag())
                    .register(registry);
        }
    }

    void queueWait(Priority priority, long nanos) {
        queueWait.get(priority).record(nanos, TimeUnit.NANOSECONDS);
    }

    void memberBatch(String member, long nanos) {
        memberTimers.computeIfAbsent(member, m -> Timer.builder("dwiseneuro.batch")
                .description("Device time per batch, all members (member=all) or one member")
                .tag("member", m)
                .publishPercentileHistogram()
                .register(registry)).record(nanos, TimeUnit.NANOSECONDS);
    }

    void batch(int size, long nanos) {
        batchWindows.record(size);
        batchTime.record(nanos, TimeUnit.NANOSECONDS);
        windows.increment(size);
        windowsRun.addAndGet(size);
        batchesRun.incrementAndGet();
        batchNanos.addAndGet(nanos);
    }

    void split() {
        splits.increment();
    }

    /** Counts a refused or failed request: one of {@link #REASONS}. */
    void rejected(String reason) {
        rejected(reason, 1);
    }

    private void rejected(String reason, int count) {
        rejections.computeIfAbsent(reason, r -> Counter.builder("dwiseneuro.rejected")
                .description("Requests refused or dropped, by reason")
                .tag("reason", r)
                .register(registry)).increment(count);
    }
}
