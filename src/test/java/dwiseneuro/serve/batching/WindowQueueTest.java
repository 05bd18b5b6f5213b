package dwiseneuro.serve.batching;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dwiseneuro.serve.clip.WindowPlan;

class WindowQueueTest {

    private static final WindowPlan PLAN = WindowPlan.of(16, 2, "last");
    private static final Duration NO_DELAY = Duration.ZERO;
    private static final Duration POLL = Duration.ofMillis(10);

    private static ClipJob job(int frames, long timeoutNanos) {
        return new ClipJob(0, 3, new float[0], 5, frames, 64, 64, PLAN, System.nanoTime() + timeoutNanos);
    }

    private static ClipJob job(int frames) {
        return job(frames, Duration.ofMinutes(1).toNanos());
    }

    @Test
    void aLongClipDoesNotStarveShortOnes() throws InterruptedException {
        WindowQueue queue = new WindowQueue(10_000);
        ClipJob longClip = job(330);   // 300 windows, queued first
        ClipJob shortA = job(33);      // 3 windows
        ClipJob shortB = job(34);      // 4 windows
        queue.offer(longClip, 1);
        queue.offer(shortA, 1);
        queue.offer(shortB, 1);
        assertEquals(307, queue.pending());
        List<ClipJob> dropped = new ArrayList<>();
        List<Window> first = queue.take(8, NO_DELAY, POLL, dropped);
        assertEquals(8, first.size());
        // Round-robin: long, A, B, long, A, B, long, A ... every clip gets a turn in the first batch.
        assertEquals(List.of(longClip, shortA, shortB, longClip, shortA, shortB, longClip, shortA),
                first.stream().map(Window::job).toList());
        assertEquals(List.of(30, 30, 30, 31, 31, 31, 32, 32), first.stream().map(Window::end).toList());
        List<Window> second = queue.take(8, NO_DELAY, POLL, dropped);
        // shortA is done; shortB gets its last two windows in turns with the long clip.
        assertEquals(2, second.stream().filter(w -> w.job() == shortB).count());
        assertEquals(307 - 16, queue.pending());
        assertTrue(dropped.isEmpty());
    }

    @Test
    void aClipThatDoesNotFitIsRefusedAtOnceWithRetryAfter() {
        WindowQueue queue = new WindowQueue(100);
        queue.offer(job(120), 1);  // 90 windows
        QueueFullException e = assertThrows(QueueFullException.class, () -> queue.offer(job(50), 7));
        assertEquals(7, e.retryAfterSeconds());
        assertEquals(90, queue.pending());
        queue.offer(job(40), 1);   // 10 windows still fit
        assertEquals(100, queue.pending());
    }

    @Test
    void expiredAndCancelledClipsLeaveTheQueueWithoutRunning() throws InterruptedException {
        WindowQueue queue = new WindowQueue(1000);
        ClipJob expired = job(40, -1);
        ClipJob cancelled = job(40);
        ClipJob alive = job(33);
        queue.offer(expired, 1);
        queue.offer(cancelled, 1);
        queue.offer(alive, 1);
        cancelled.result.cancel(false);
        List<ClipJob> dropped = new ArrayList<>();
        List<Window> batch = queue.take(32, NO_DELAY, POLL, dropped);
        assertEquals(List.of(expired, cancelled), dropped);
        assertEquals(3, batch.size());
        assertTrue(batch.stream().allMatch(w -> w.job() == alive));
        assertEquals(0, queue.pending());
        assertTrue(queue.take(32, NO_DELAY, POLL, dropped).isEmpty());
    }

    @Test
    void aWorkerWaitsUpToMaxDelayForAFullerBatch() throws InterruptedException {
        WindowQueue queue = new WindowQueue(1000);
        queue.offer(job(31), 1);  // one window
        Thread late = new Thread(() -> {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            queue.offer(job(32), 1);  // two more windows, 50 ms later
        });
        late.start();
        List<Window> batch = queue.take(3, Duration.ofSeconds(5), POLL, new ArrayList<>());
        late.join();
        assertEquals(3, batch.size());
    }
}
