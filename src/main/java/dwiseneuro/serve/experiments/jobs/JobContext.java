package dwiseneuro.serve.experiments.jobs;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

import dwiseneuro.serve.batching.InferenceScheduler;
import dwiseneuro.serve.batching.Priority;
import dwiseneuro.serve.clip.Clip;
import dwiseneuro.serve.clip.WindowPlan;
import dwiseneuro.serve.ensemble.Manifest;
import dwiseneuro.serve.experiments.ExperimentContext;

/**
 * What a running job's experiment sees: its clips go to the device queues at background priority, at
 * most {@code windowsInFlight} windows of this job at a time (and the bytes of all jobs' clips within
 * the shared memory bound): beyond that, {@link #responses} waits instead of refusing, so one job keeps
 * the devices busy without flooding their queues. Progress advances as clips complete; cancelling the
 * job fails its clips in flight, whose windows then leave the device queues without running.
 */
final class JobContext implements ExperimentContext {

    private static final Logger LOG = Logger.getLogger(JobContext.class);
    private static final long WAIT_SLICE_MS = 200;

    private final Job job;
    private final Manifest manifest;
    private final Manifest.Mouse mouse;
    private final InferenceScheduler scheduler;
    private final Duration clipTimeout;
    private final int windowsInFlight;
    private final Semaphore windows;
    private final Semaphore memoryKib;
    private final int memoryKibTotal;
    private final Executor completions;
    private final Set<CompletableFuture<float[]>> inFlight = ConcurrentHashMap.newKeySet();

    JobContext(Job job, Manifest manifest, Manifest.Mouse mouse, InferenceScheduler scheduler, Duration clipTimeout,
               int windowsInFlight, Semaphore memoryKib, int memoryKibTotal, Executor completions) {
        this.job = job;
        this.manifest = manifest;
        this.mouse = mouse;
        this.scheduler = scheduler;
        this.clipTimeout = clipTimeout;
        this.windowsInFlight = windowsInFlight;
        this.windows = new Semaphore(windowsInFlight);
        this.memoryKib = memoryKib;
        this.memoryKibTotal = memoryKibTotal;
        this.completions = completions;
    }

    @Override
    public CompletableFuture<float[]> responses(Clip clip) throws InterruptedException {
        checkCancelled();
        WindowPlan plan = manifest.frameStack().plan();
        Manifest.Input input = manifest.input();
        // A clip larger than a bound takes the whole bound: it runs alone rather than never.
        int clipWindows = Math.min(windowsInFlight, Math.max(1, clip.windows(plan)));
        long bytes = 4L * input.channels() * clip.frames() * input.height() * input.width();
        int kib = (int) Math.min(memoryKibTotal, Math.max(1, bytes >> 10));
        acquire(windows, clipWindows);
        try {
            acquire(memoryKib, kib);
        } catch (InterruptedException | RuntimeException e) {
            windows.release(clipWindows);
            throw e;
        }
        InferenceScheduler.Submission submission;
        try {
            submission = scheduler.submit(clip, mouse, clipTimeout, Priority.BACKGROUND);
        } catch (RuntimeException e) {
            windows.release(clipWindows);
            memoryKib.release(kib);
            throw e;
        }
        CompletableFuture<float[]> result = submission.result();
        inFlight.add(result);
        int counted = clip.windows(plan);
        CompletableFuture<float[]> answer = result.whenCompleteAsync((values, error) -> {
            inFlight.remove(result);
            windows.release(clipWindows);
            memoryKib.release(kib);
            if (error == null) {
                job.windowsDone.addAndGet(counted);
            }
        }, completions);
        if (job.stopAs() != null) {
            result.cancel(false); // cancelled while it was being submitted
        }
        return answer;
    }

    @Override
    public void progressed(long windows) {
        job.windowsDone.addAndGet(windows);
    }

    /** Waits for {@code permits}, a slice at a time, so that a cancellation is noticed while waiting. */
    private void acquire(Semaphore semaphore, int permits) throws InterruptedException {
        while (!semaphore.tryAcquire(permits, WAIT_SLICE_MS, TimeUnit.MILLISECONDS)) {
            checkCancelled();
        }
    }

    @Override
    public void checkCancelled() {
        JobState stopAs = job.stopAs();
        if (stopAs != null) {
            throw new CancellationException(stopAs == JobState.INTERRUPTED ? "the service is shutting down" : "the job was cancelled");
        }
    }

    @Override
    public void log(String message) {
        job.log(message);
        LOG.infof("Experiment %s (%s, %s): %s", job.id, job.type, job.mouse, message);
    }

    /** Fails every clip in flight: their windows leave the device queues at the next take. */
    void cancelInFlight() {
        for (CompletableFuture<float[]> result : inFlight) {
            result.cancel(false);
        }
    }
}
