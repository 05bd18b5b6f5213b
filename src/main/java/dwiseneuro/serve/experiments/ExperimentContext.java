package dwiseneuro.serve.experiments;

import java.util.concurrent.CompletableFuture;

import dwiseneuro.serve.clip.Clip;

/** What a running experiment may do: submit clips at background priority, notice cancellation, log. */
public interface ExperimentContext {

    /**
     * The ensemble-mean responses (neurons x frames, C order) of the experiment's mouse to one clip, queued
     * at background priority. May block while the device queues are full instead of refusing: background
     * work waits, it is never answered 429. The job's progress advances as the clip's windows complete.
     */
    CompletableFuture<float[]> responses(Clip clip) throws InterruptedException;

    /**
     * Counts {@code windows} of work the experiment ran outside {@link #responses} (gradient windows of an
     * optimisation) towards the job's progress.
     */
    default void progressed(long windows) {
    }

    /** Throws {@link java.util.concurrent.CancellationException} once the job is cancelled or cut by a shutdown. */
    void checkCancelled();

    /** A line for the job's log and the service log (a stage of the run, a rate). */
    void log(String message);
}
