package dwiseneuro.serve.experiments;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import dwiseneuro.serve.batching.InferenceScheduler;
import dwiseneuro.serve.batching.QueueFullException;
import dwiseneuro.serve.clip.Clip;
import dwiseneuro.serve.ensemble.Manifest;

/**
 * The smallest real {@link ExperimentContext}: clips go through the service's own scheduler (waiting, not
 * failing, while its queue is full) and the windows submitted are counted. The jobs' context replaces it
 * in the service.
 */
final class SchedulerContext implements ExperimentContext {

    private final InferenceScheduler scheduler;
    private final Manifest manifest;
    private final Manifest.Mouse mouse;
    final AtomicLong windows = new AtomicLong();

    SchedulerContext(InferenceScheduler scheduler, Manifest manifest, Manifest.Mouse mouse) {
        this.scheduler = scheduler;
        this.manifest = manifest;
        this.mouse = mouse;
    }

    @Override
    public CompletableFuture<float[]> responses(Clip clip) throws InterruptedException {
        while (true) {
            try {
                CompletableFuture<float[]> result = scheduler.submit(clip, mouse, Duration.ofMinutes(10)).result();
                windows.addAndGet(clip.windows(manifest.frameStack().plan()));
                return result;
            } catch (QueueFullException e) {
                Thread.sleep(50);
            }
        }
    }

    @Override
    public void checkCancelled() {
    }

    @Override
    public void log(String message) {
        System.out.println("[experiment] " + message);
    }
}
