package dwiseneuro.serve.batching;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The windows waiting for one device, bounded in windows. Clips are served round-robin, one window
 * per clip per turn, so a long clip shares the device with short ones instead of starving them.
 */
final class WindowQueue {

    private final int capacity;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final LinkedList<ClipJob> jobs = new LinkedList<>();
    /** Windows not yet handed to a batch; written under the lock, read by the gauge without it. */
    private volatile int pending;
    private boolean closed;

    WindowQueue(int capacity) {
        this.capacity = capacity;
    }

    /** Adds every window of {@code job}, or refuses at once when they do not fit. */
    void offer(ClipJob job, long retryAfterSeconds) {
        lock.lock();
        try {
            if (closed) {
                throw new NotAcceptingException("the service is shutting down");
            }
            int windows = job.windows();
            if (pending + windows > capacity) {
                throw new QueueFullException("the inference queue is full (" + pending + " of " + capacity
                        + " windows waiting; this clip needs " + windows + ")", retryAfterSeconds);
            }
            pending += windows;
            jobs.addLast(job);
            work.signal();
        } finally {
            lock.unlock();
        }
    }

    int pending() {
        return pending;
    }

    int capacity() {
        return capacity;
    }

    /**
     * Waits for work, then up to {@code maxDelay} for a fuller batch, and takes up to {@code maxBatch}
     * windows round-robin across clips. Clips that are done, cancelled or past their deadline leave the
     * queue here and are returned in {@code dropped} for the worker to settle and free.
     * Returns an empty list when {@code poll} passes with no work.
     */
    List<Window> take(int maxBatch, Duration maxDelay, Duration poll, List<ClipJob> dropped) throws InterruptedException {
        lock.lock();
        try {
            long pollNanos = poll.toNanos();
            while (pending == 0) {
                if (pollNanos <= 0) {
                    return List.of();
                }
                pollNanos = work.awaitNanos(pollNanos);
            }
            long delay = maxDelay.toNanos();
            while (pending < maxBatch && delay > 0 && !closed) {
                delay = work.awaitNanos(delay);
            }
            long now = System.nanoTime();
            List<Window> batch = new ArrayList<>(Math.min(maxBatch, pending));
            while (batch.size() < maxBatch && !jobs.isEmpty()) {
                Iterator<ClipJob> it = jobs.iterator();
                while (it.hasNext() && batch.size() < maxBatch) {
                    ClipJob job = it.next();
                    if (job.finished() || job.expired(now)) {
                        pending -= job.remainingToHandOut();
                        job.nextEnd = job.plan.lastEnd(job.frames) + 1;
                        it.remove();
                        dropped.add(job);
                        continue;
                    }
                    batch.add(new Window(job, job.nextEnd));
                    job.nextEnd++;
                    pending--;
                    if (job.remainingToHandOut() == 0) {
                        it.remove();
                    }
                }
            }
            return batch;
        } finally {
            lock.unlock();
        }
    }

    /** Stops taking new clips; what is queued still runs. */
    void close() {
        lock.lock();
        try {
            closed = true;
            work.signalAll();
        } finally {
            lock.unlock();
        }
    }

    boolean isEmpty() {
        lock.lock();
        try {
            return pending == 0;
        } finally {
            lock.unlock();
        }
    }
}
