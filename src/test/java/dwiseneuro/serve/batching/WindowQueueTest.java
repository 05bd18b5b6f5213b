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

    private static ClipJob background(int frames) {
        return new ClipJob(0, 3, new float[0], 5, frames, 64, 64, PLAN, System.nanoTime() + Duration.ofMinutes(1).toNanos(),
                Priority.BACKGROUND);
    }

    private static List<ClipJob> jobs(List<Window> batch) {
        return batch.stream().map(Window::job).toList();
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

    @Test
    void interactiveWindowsGoFirstRoundRobinAndBackgroundFillsTheRest() throws InterruptedException {
        WindowQueue queue = new WindowQueue(10_000);
        ClipJob experimentA = background(130);  // 100 windows, queued before anything interactive
        ClipJob experimentB = background(130);
        queue.offer(experimentA, 1);
        queue.offer(experimentB, 1);
        ClipJob userA = job(33);                // 3 windows
        ClipJob userB = job(32);                // 2 windows
        queue.offer(userA, 1);
        queue.offer(userB, 1);
        assertEquals(5, queue.pending());
        assertEquals(200, queue.backgroundPending());
        List<ClipJob> dropped = new ArrayList<>();
        List<Window> first = queue.take(8, NO_DELAY, POLL, dropped);
        // Every interactive window first, round-robin across the two clips; background round-robin after them.
        assertEquals(List.of(userA, userB, userA, userB, userA, experimentA, experimentB, experimentA), jobs(first));
        assertEquals(0, queue.pending());
        List<Window> second = queue.take(8, NO_DELAY, POLL, dropped);
        assertTrue(second.stream().allMatch(w -> w.job().priority == Priority.BACKGROUND), "only background work is left");
        // An interactive clip arriving now is taken first in the very next batch, ahead of 187 background windows.
        ClipJob late = job(31);
        queue.offer(late, 1);
        List<Window> third = queue.take(8, NO_DELAY, POLL, dropped);
        assertEquals(late, third.get(0).job());
        assertEquals(1, third.stream().filter(w -> w.job() == late).count());
        assertEquals(6, queue.taken(Priority.INTERACTIVE));
        assertEquals(18, queue.taken(Priority.BACKGROUND));
        assertEquals(200 - 18, queue.backgroundPending());
        assertTrue(dropped.isEmpty());
    }

    @Test
    void backgroundWindowsNeverCountAgainstTheInteractiveCapacity() throws InterruptedException {
        WindowQueue queue = new WindowQueue(100);
        queue.offer(background(1030), 1);       // 1000 windows, ten times the capacity: accepted, never 429
        assertEquals(0, queue.pending());
        assertEquals(1000, queue.backgroundPending());
        queue.offer(job(130), 1);               // 100 interactive windows still fit whole
        assertEquals(100, queue.pending());
        assertThrows(QueueFullException.class, () -> queue.offer(job(31), 1));
        assertTrue(queue.take(32, NO_DELAY, POLL, new ArrayList<>()).stream().allMatch(w -> w.job().priority == Priority.INTERACTIVE));
    }

    @Test
    void backgroundBatchBoundsTheBackgroundShareOfABatch() throws InterruptedException {
        WindowQueue queue = new WindowQueue(1000, 2);
        queue.offer(background(130), 1);
        queue.offer(job(32), 1);                // 2 interactive windows
        List<Window> mixed = queue.take(8, NO_DELAY, POLL, new ArrayList<>());
        assertEquals(4, mixed.size(), "2 interactive + at most 2 background");
        assertEquals(2, mixed.stream().filter(w -> w.job().priority == Priority.BACKGROUND).count());
        assertEquals(2, queue.take(8, NO_DELAY, POLL, new ArrayList<>()).size());
    }

    @Test
    void backgroundWindowsAloneDoNotWaitForMaxDelay() throws InterruptedException {
        WindowQueue queue = new WindowQueue(1000, 4);
        queue.offer(background(130), 1);        // 100 windows, nothing interactive: a full background share
        queue.offer(background(31), 1);         // and one window of a second job
        long start = System.nanoTime();
        assertEquals(4, queue.take(32, Duration.ofMinutes(1), POLL, new ArrayList<>()).size());
        for (int i = 0; i < 24; i++) {          // down to the last window, alone in its batch
            queue.take(32, Duration.ofMinutes(1), POLL, new ArrayList<>());
        }
        assertEquals(1, queue.backgroundPending());
        assertEquals(1, queue.take(32, Duration.ofMinutes(1), POLL, new ArrayList<>()).size());
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(seconds < 30, "26 background batches waited " + seconds + " s in all with a one-minute max-delay");
        // One interactive window still waits for company (max-delay), and background fills the batch around it.
        queue.offer(background(130), 1);
        queue.offer(job(31), 1);
        Thread late = new Thread(() -> {
            try {
                Thread.sleep(50);
                queue.offer(job(32), 1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        late.start();
        List<Window> mixed = queue.take(7, Duration.ofSeconds(5), POLL, new ArrayList<>());
        late.join();
        assertEquals(7, mixed.size(), "3 interactive windows + 4 background");
        assertEquals(3, mixed.stream().filter(w -> w.job().priority == Priority.INTERACTIVE).count());
    }

    @Test
    void aCancelledBackgroundClipLeavesTheQueueAtOnce() throws InterruptedException {
        WindowQueue queue = new WindowQueue(1000);
        ClipJob cancelled = background(130);
        ClipJob kept = background(40);
        queue.offer(cancelled, 1);
        queue.offer(kept, 1);
        assertEquals(110, queue.backgroundPending());
        cancelled.result.cancel(false);
        List<ClipJob> dropped = new ArrayList<>();
        List<Window> batch = queue.take(4, NO_DELAY, POLL, dropped);
        assertEquals(List.of(cancelled), dropped);
        assertTrue(batch.stream().allMatch(w -> w.job() == kept));
        assertEquals(6, queue.backgroundPending());
    }

    @Test
    void closingFailsBackgroundClipsButKeepsInteractiveOnes() throws InterruptedException {
        WindowQueue queue = new WindowQueue(1000);
        ClipJob experiment = background(60);
        ClipJob user = job(33);
        queue.offer(experiment, 1);
        queue.offer(user, 1);
        queue.close();
        assertTrue(experiment.result.isCompletedExceptionally());
        assertThrows(NotAcceptingException.class, () -> queue.offer(job(31), 1));
        List<ClipJob> dropped = new ArrayList<>();
        List<Window> batch = queue.take(32, NO_DELAY, POLL, dropped);
        assertEquals(List.of(experiment), dropped);
        assertEquals(3, batch.size());
        assertTrue(queue.isEmpty());
    }
}
