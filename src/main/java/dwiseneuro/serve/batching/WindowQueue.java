package dwiseneuro.serve.batching;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The windows waiting for one device. Interactive clips are bounded in windows (a clip that does not
 * fit is refused with 429); background clips (experiments) are not counted against that bound: their
 * submitter bounds its own windows in flight. Each batch takes interactive windows first, round-robin
 * across clips (a long clip shares the device with short ones instead of starving them), then fills the
 * rest with background windows, round-robin across background clips, at most {@code backgroundBatch}
 * of them per batch.
 */
final class WindowQueue {

    private final int capacity;
    private final int backgroundBatch;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final LinkedList<ClipJob> interactive = new LinkedList<>();
    private final LinkedList<ClipJob> background = new LinkedList<>();
    /** Windows not yet handed to a batch; written under the lock, read by the gauges without it. */
    private volatile int pending;
    private volatile int backgroundPending;
    private final AtomicLong takenInteractive = new AtomicLong();
    private final AtomicLong takenBackground = new AtomicLong();
    private boolean closed;

    WindowQueue(int capacity) {
        this(capacity, Integer.MAX_VALUE);
    }

    WindowQueue(int capacity, int backgroundBatch) {
        this.capacity = capacity;
        this.backgroundBatch = Math.max(1, backgroundBatch);
    }

    /** Adds every window of {@code job}; an interactive clip that does not fit is refused at once. */
    void offer(ClipJob job, long retryAfterSeconds) {
        lock.lock();
        try {
            if (closed) {
                throw new NotAcceptingException("the service is shutting down");
            }
            int windows = job.windows();
            if (job.priority == Priority.BACKGROUND) {
                backgroundPending += windows;
                background.addLast(job);
            } else {
                if (pending + windows > capacity) {
                    throw new QueueFullException("the inference queue is full (" + pending + " of " + capacity
                            + " windows waiting; this clip needs " + windows + ")", retryAfterSeconds);
                }
                pending += windows;
                interactive.addLast(job);
            }
            work.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Interactive windows waiting: what admission (429), device choice and the autoscaler look at. */
    int pending() {
        return pending;
    }

    int backgroundPending() {
        return backgroundPending;
    }

    int pending(Priority priority) {
        return priority == Priority.BACKGROUND ? backgroundPending : pending;
    }

    /** Windows of this priority handed to batches so far. */
    long taken(Priority priority) {
        return (priority == Priority.BACKGROUND ? takenBackground : takenInteractive).get();
    }

    int capacity() {
        return capacity;
    }

    /**
     * Waits for work, then up to {@code maxDelay} for a fuller batch, and takes up to {@code maxBatch}
     * windows: interactive ones first, then background ones. Clips that are done, cancelled or past their
     * deadline leave the queue here and are returned in {@code dropped} for the worker to settle and free.
     * Returns an empty list when {@code poll} passes with no work.
     */
    List<Window> take(int maxBatch, Duration maxDelay, Duration poll, List<ClipJob> dropped) throws InterruptedException {
        lock.lock();
        try {
            long pollNanos = poll.toNanos();
            while (true) {
                sweep(System.nanoTime(), dropped);
                if (pending + backgroundPending > 0) {
                    break;
                }
                if (pollNanos <= 0) {
                    return List.of();
                }
                pollNanos = work.awaitNanos(pollNanos);
            }
            long delay = maxDelay.toNanos();
            // max-delay coalesces interactive requests: background windows alone go at once (waiting for
            // interactive work that may never come would idle the device; a job submits what it has).
            while (pending > 0 && pending + Math.min(backgroundPending, backgroundBatch) < maxBatch && delay > 0
                    && !closed) {
                delay = work.awaitNanos(delay);
            }
            long now = System.nanoTime();
            List<Window> batch = new ArrayList<>(Math.min(maxBatch, pending + backgroundPending));
            fill(interactive, batch, maxBatch, now, dropped);
            fill(background, batch, Math.min(maxBatch, batch.size() + Math.min(backgroundBatch, maxBatch)), now, dropped);
            return batch;
        } finally {
            lock.unlock();
        }
    }

    /** Round-robin, one window per clip per turn, until the batch holds {@code limit} windows or the clips run out. */
    private void fill(LinkedList<ClipJob> jobs, List<Window> batch, int limit, long now, List<ClipJob> dropped) {
        while (batch.size() < limit && !jobs.isEmpty()) {
            Iterator<ClipJob> it = jobs.iterator();
            while (it.hasNext() && batch.size() < limit) {
                ClipJob job = it.next();
                if (leaves(job, now)) {
                    it.remove();
                    dropped.add(job);
                    continue;
                }
                batch.add(new Window(job, job.nextEnd));
                job.nextEnd++;
                if (job.priority == Priority.BACKGROUND) {
                    backgroundPending--;
                    takenBackground.incrementAndGet();
                } else {
                    pending--;
                    takenInteractive.incrementAndGet();
                }
                if (job.remainingToHandOut() == 0) {
                    it.remove();
                }
            }
        }
    }

    /** Removes every clip that is done, cancelled or expired, so that its windows stop counting at once. */
    private void sweep(long now, List<ClipJob> dropped) {
        for (LinkedList<ClipJob> jobs : List.of(interactive, background)) {
            jobs.removeIf(job -> {
                if (leaves(job, now)) {
                    dropped.add(job);
                    return true;
                }
                return false;
            });
        }
    }

    /** Whether the clip leaves without running its remaining windows; if so, they stop counting. */
    private boolean leaves(ClipJob job, long now) {
        if (!job.finished() && !job.expired(now)) {
            return false;
        }
        int remaining = job.remainingToHandOut();
        if (job.priority == Priority.BACKGROUND) {
            backgroundPending -= remaining;
        } else {
            pending -= remaining;
        }
        job.nextEnd = job.plan.lastEnd(job.frames) + 1;
        return true;
    }

    /**
     * Stops taking new clips. Interactive windows already queued still run; background clips fail with
     * {@link NotAcceptingException} and leave at the next take: their jobs are cut by the shutdown anyway,
     * and draining them would only delay it.
     */
    void close() {
        lock.lock();
        try {
            closed = true;
            for (ClipJob job : background) {
                job.result.completeExceptionally(new NotAcceptingException("the service is shutting down"));
            }
            work.signalAll();
        } finally {
            lock.unlock();
        }
    }

    boolean isEmpty() {
        lock.lock();
        try {
            return pending + backgroundPending == 0;
        } finally {
            lock.unlock();
        }
    }
}
