package dwiseneuro.serve.experiments.jobs;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;

import dwiseneuro.serve.experiments.Experiment;
import dwiseneuro.serve.experiments.StimulusDownloads;

/**
 * One job's live state. The runner thread moves it through its states; readers (the API, the metrics,
 * the progress log) take consistent snapshots with {@link #record()}.
 */
final class Job {

    private static final int LOG_LINES = 100;

    final String id;
    final String type;
    final String mouse;
    final JsonNode spec;
    final long windowsTotal;
    final Instant created;
    final String owner;
    /** Created and run by this process; false: a snapshot of a job.json (finished, or another instance's). */
    final boolean live;
    final AtomicLong windowsDone = new AtomicLong();

    private JobState state;
    private Instant started;
    private long startedNanos;
    private Instant finished;
    private String error;
    private Instant updated;
    /** A snapshot's rate and time left as its owner saved them. */
    private Double savedRate;
    private Double savedLeft;
    private List<String> plots;
    private final Deque<String> log = new ArrayDeque<>();
    /** The final state a cancellation leads to: cancelled (DELETE) or interrupted (shutdown); null: none asked. */
    private JobState stopAs;
    /** The experiment, while it may run or offer stimuli; null for a job read back from disk until needed. */
    volatile Experiment experiment;
    /** Whether the experiment offers its stimuli for download (StimulusDownloads). */
    private final boolean stimuli;
    /** The running context, to cancel its clips in flight; null unless running. */
    volatile JobContext context;

    Job(String id, String mouse, JsonNode spec, Experiment experiment, Instant created, String owner) {
        this.id = id;
        this.owner = owner;
        this.live = true;
        this.type = experiment.type();
        this.mouse = mouse;
        this.spec = spec;
        this.windowsTotal = experiment.totalWindows();
        this.created = created;
        this.experiment = experiment;
        this.stimuli = experiment instanceof StimulusDownloads;
        this.state = JobState.QUEUED;
    }

    /** A snapshot of a job.json: a finished job read back at startup, or a job of another instance. */
    Job(JobRecord saved) {
        this.id = saved.id();
        this.owner = saved.owner();
        this.live = false;
        this.updated = saved.updated();
        this.savedRate = saved.windowsPerSecond();
        this.savedLeft = saved.secondsLeft();
        this.type = saved.type();
        this.mouse = saved.mouse();
        this.spec = saved.spec();
        this.windowsTotal = saved.windowsTotal();
        this.created = saved.created();
        this.windowsDone.set(saved.windowsDone());
        this.state = saved.state();
        this.started = saved.started();
        this.finished = saved.finished();
        this.error = saved.error();
        this.plots = saved.plots();
        this.stimuli = saved.links() != null && saved.links().stimuli() != null;
        if (saved.log() != null) {
            log.addAll(saved.log());
        }
    }

    boolean offersStimuli() {
        return stimuli;
    }

    synchronized JobState state() {
        return state;
    }

    synchronized Instant finishedAt() {
        return finished;
    }

    /** When the record was last saved (by its owner, for a snapshot). */
    synchronized Instant updated() {
        return updated;
    }

    synchronized void saved(Instant when) {
        updated = when;
    }

    /** Queued to running; false when the job was cancelled before its turn came. */
    synchronized boolean start() {
        if (state != JobState.QUEUED) {
            return false;
        }
        state = JobState.RUNNING;
        started = Instant.now();
        startedNanos = System.nanoTime();
        return true;
    }

    /**
     * Asks the job to stop and end as {@code as} (cancelled or interrupted). A queued job ends at once;
     * a running one when its runner notices. Returns false when the job had already finished.
     */
    synchronized boolean stop(JobState as) {
        if (state.finished()) {
            return false;
        }
        if (stopAs == null || as == JobState.INTERRUPTED) {
            stopAs = as;
        }
        if (state == JobState.QUEUED) {
            end(as, as == JobState.INTERRUPTED ? "the service shut down before the job's turn came" : null);
        }
        return true;
    }

    synchronized JobState stopAs() {
        return stopAs;
    }

    synchronized void plots(List<String> names) {
        plots = List.copyOf(names);
    }

    /** Moves to a final state (once: later calls are ignored). */
    synchronized boolean end(JobState as, String why) {
        if (state.finished()) {
            return false;
        }
        state = as;
        error = why;
        finished = Instant.now();
        context = null;
        return true;
    }

    synchronized void log(String line) {
        if (log.size() == LOG_LINES) {
            log.removeFirst();
        }
        log.addLast(Instant.now() + " " + line);
    }

    /** Seconds since the job started running, or 0. */
    synchronized double runningSeconds() {
        if (started == null) {
            return 0;
        }
        long nanos = finished != null ? Duration.between(started, finished).toNanos()
                : live ? System.nanoTime() - startedNanos : Duration.between(started, Instant.now()).toNanos();
        return nanos / 1e9;
    }

    /** A consistent snapshot: spec and log included, no links. */
    synchronized JobRecord record() {
        long done = windowsDone.get();
        double progress = windowsTotal == 0 ? (state == JobState.DONE ? 1 : 0) : Math.min(1.0, (double) done / windowsTotal);
        if (state == JobState.DONE) {
            progress = 1;
        }
        Double rate = live ? null : savedRate;
        Double left = live || state != JobState.RUNNING ? null : savedLeft;
        double seconds = runningSeconds();
        if (live && started != null && seconds > 0 && done > 0) {
            rate = done / seconds;
            if (state == JobState.RUNNING) {
                left = Math.max(0, windowsTotal - done) / rate;
            }
        }
        return new JobRecord(id, type, mouse, state, progress, done, windowsTotal, left, rate, created, started, finished,
                error, owner, updated, plots, spec, new ArrayList<>(log), null);
    }
}
