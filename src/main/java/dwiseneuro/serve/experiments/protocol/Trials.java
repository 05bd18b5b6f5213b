package dwiseneuro.serve.experiments.protocol;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.IntFunction;

import dwiseneuro.serve.clip.Clip;
import dwiseneuro.serve.experiments.ExperimentContext;

/**
 * Runs an experiment's clips through the device queues a few at a time and hands each clip's responses to
 * the analysis as soon as they arrive, in clip order, on the calling thread: enough clips queued to keep
 * the devices busy, never more than {@code inFlight} clips' inputs and responses held at once.
 */
public final class Trials {

    private static final long WAIT_SLICE_MS = 200;

    /** Receives clip {@code index}'s responses (neurons x frames, C order). */
    public interface Reducer {
        void accept(int index, float[] responses);
    }

    private Trials() {
    }

    public static void run(ExperimentContext context, int clips, IntFunction<Clip> clip, int inFlight, Reducer reducer)
            throws InterruptedException {
        Deque<CompletableFuture<float[]>> pending = new ArrayDeque<>();
        int next = 0;
        int done = 0;
        try {
            while (done < clips) {
                context.checkCancelled();
                while (next < clips && pending.size() < inFlight) {
                    pending.add(context.responses(clip.apply(next++)));
                }
                reducer.accept(done++, await(pending.poll(), context));
            }
        } finally {
            pending.forEach(f -> f.cancel(false));
        }
    }

    /**
     * Waits for {@code future} a slice at a time, so that a cancelled job stops waiting; rethrows its
     * failure unwrapped.
     */
    public static <T> T await(CompletableFuture<T> future, ExperimentContext context) throws InterruptedException {
        while (true) {
            try {
                return future.get(WAIT_SLICE_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                context.checkCancelled();
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException runtime) {
                    throw runtime;
                }
                throw new IllegalStateException(cause);
            } catch (CancellationException e) {
                context.checkCancelled();
                throw e;
            }
        }
    }
}
