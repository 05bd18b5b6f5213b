package dwiseneuro.serve.experiments.jobs;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dwiseneuro.serve.ServeConfig;
import dwiseneuro.serve.batching.BatchFailedException;
import dwiseneuro.serve.batching.DeadlineExceededException;
import dwiseneuro.serve.batching.InferenceScheduler;
import dwiseneuro.serve.batching.NotAcceptingException;
import dwiseneuro.serve.ensemble.Ensemble;
import dwiseneuro.serve.ensemble.Manifest;
import dwiseneuro.serve.experiments.Experiment;
import dwiseneuro.serve.experiments.ExperimentResult;
import dwiseneuro.serve.experiments.ExperimentType;
import dwiseneuro.serve.experiments.SpecException;
import dwiseneuro.serve.experiments.StimulusDownloads;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * Runs experiments as jobs: validates a spec with its {@link ExperimentType}, admits the job within the
 * limits (windows per job, jobs running and waiting, per instance), runs it on one of {@code concurrent-jobs}
 * threads with a {@link JobContext}, and keeps every job's record and results in the results directory,
 * from which they are read back at startup. A job cut by a shutdown (or found unfinished at startup, after
 * a crash) is marked interrupted.
 *
 * <p>Several instances (pods) may share the directory, behind one Service: each answers for every job,
 * its own from memory and the others' from their job.json (re-read every progress tick and on demand);
 * a job's owner saves it at every tick, so a job whose owner stopped saving it (a pod that died) is marked
 * interrupted by whoever notices; cancelling another instance's job leaves a request file its owner polls.
 */
@ApplicationScoped
public class JobRunner {

    private static final Logger LOG = Logger.getLogger(JobRunner.class);
    private static final String BASE = "/v1/experiments/";
    /** How long DELETE waits for a running job to stop, so that its answer usually says "cancelled". */
    private static final Duration CANCEL_WAIT = Duration.ofSeconds(5);
    private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(10);
    private static final long CANCEL_POLL_MS = 500;
    private static final long REFRESH_MS = 1000;

    private final ServeConfig.Experiments config;
    private final Duration logInterval;
    /** This instance's name in the records it owns: the pod's (HOSTNAME), else the host's. */
    private final String instance;
    /** A job not saved by its owner for this long is taken for cut (its owner is gone). */
    private final Duration stale;
    private volatile long refreshedNanos;
    private final InferenceScheduler scheduler;
    private final Ensemble ensemble;
    private final Map<String, ExperimentType> types = new TreeMap<>();
    private final JobStore store;
    private final JobMetrics metrics;
    private final Map<String, Job> jobs = new ConcurrentHashMap<>();
    private final Object admission = new Object();
    private final Semaphore memoryKib;
    private final int memoryKibTotal;
    private final ThreadPoolExecutor runners;
    private final ExecutorService completions;
    private final ScheduledExecutorService ticker;
    /** Why jobs cannot be taken (results directory unusable, starting, shutting down); null when they can. */
    private volatile String unavailable = "the service is starting";

    public JobRunner(ServeConfig config, InferenceScheduler scheduler, Ensemble ensemble, @Any Instance<ExperimentType> beans,
                     ObjectMapper json, MeterRegistry registry) {
        this.config = config.experiments();
        this.logInterval = config.batching().logInterval();
        this.instance = instanceName();
        this.stale = Duration.ofMillis(Math.max(Duration.ofMinutes(2).toMillis(), 4 * logInterval.toMillis()));
        this.scheduler = scheduler;
        this.ensemble = ensemble;
        for (ExperimentType type : beans) {
            ExperimentType other = types.put(type.name(), type);
            if (other != null) {
                throw new IllegalStateException("two experiment types named '" + type.name() + "': "
                        + other.getClass().getName() + " and " + type.getClass().getName());
            }
        }
        this.store = new JobStore(this.config.resultsDir(), json);
        long memory = this.config.memoryInFlight().map(size -> size.asLongValue())
                .orElse(Math.min(256L << 20, Runtime.getRuntime().maxMemory() / 8));
        this.memoryKibTotal = (int) Math.max(1, Math.min(Integer.MAX_VALUE, memory >> 10));
        this.memoryKib = new Semaphore(memoryKibTotal);
        int threads = Math.max(1, this.config.concurrentJobs());
        this.runners = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                daemons("experiment-job"));
        // Never shut down: device workers complete clips (and so submit here) until the scheduler stops, after
        // this bean's shutdown; idle threads end on their own.
        ThreadPoolExecutor completions = new ThreadPoolExecutor(2, 2, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                daemons("experiment-completion"));
        completions.allowCoreThreadTimeOut(true);
        this.completions = completions;
        this.ticker = Executors.newSingleThreadScheduledExecutor(daemons("experiment-ticker"));
        this.metrics = new JobMetrics(registry, () -> jobs.values().stream().filter(j -> j.live).toList(), types.keySet());
    }

    void onStart(@Observes StartupEvent event) {
        int interrupted = 0;
        try {
            store.open();
            for (JobRecord saved : store.load()) {
                // This instance's own unfinished jobs were cut when it stopped; others' are cut once stale.
                if (snapshot(saved, instance.equals(saved.owner()) || saved.owner() == null)) {
                    interrupted++;
                }
            }
        } catch (IOException | RuntimeException e) {
            unavailable = "the results directory " + store.root() + " is not usable: " + e;
            LOG.errorf("Experiments are unavailable: %s", unavailable);
            return;
        }
        removeExpired();
        long tick = logInterval.toMillis();
        ticker.scheduleAtFixedRate(this::tick, tick, tick, TimeUnit.MILLISECONDS);
        ticker.scheduleWithFixedDelay(this::pollCancelRequests, CANCEL_POLL_MS, CANCEL_POLL_MS, TimeUnit.MILLISECONDS);
        long sweep = Math.max(60_000, Math.min(config.retention().toMillis() / 10, Duration.ofHours(1).toMillis()));
        ticker.scheduleAtFixedRate(this::removeExpired, sweep, sweep, TimeUnit.MILLISECONDS);
        unavailable = null;
        LOG.infof("Experiments (instance %s): types %s; %d jobs read back from %s (%d marked interrupted); at most %d "
                + "running and %d waiting, %d windows per job, %d windows in flight per job, kept %s", instance, types.keySet(),
                jobs.size(), store.root(), interrupted, config.concurrentJobs(), config.queuedJobs(), config.maxWindows(),
                config.windowsInFlight(), config.retention());
    }

    /** Before the device queues close: every job still queued or running ends as interrupted. */
    void onStop(@Observes ShutdownEvent event) {
        unavailable = "the service is shutting down";
        List<Job> cut = new java.util.ArrayList<>();
        for (Job job : jobs.values()) {
            // Only this instance's own: the snapshots are other instances' jobs, which go on without this one.
            if (job.live && job.stop(JobState.INTERRUPTED)) {
                cut.add(job);
                JobContext context = job.context;
                if (context != null) {
                    context.cancelInFlight();
                }
            }
        }
        runners.shutdownNow();
        try {
            if (!runners.awaitTermination(SHUTDOWN_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("An experiment did not stop within " + SHUTDOWN_WAIT + "; its job is marked interrupted anyway");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Job job : cut) {
            job.end(JobState.INTERRUPTED, "the service shut down while the job was running");
            persist(job);
        }
        ticker.shutdownNow();
        if (!cut.isEmpty()) {
            LOG.infof("Shutdown: %d experiment job(s) marked interrupted", cut.size());
        }
    }

    /** The experiment types this service runs, by name. */
    public Set<String> types() {
        return types.keySet();
    }

    /**
     * Validates {@code spec} for {@code mouse} and queues the job. Throws {@link SpecException} (422) for a bad
     * spec, {@link JobException} 422 beyond the windows per job, 429 beyond the jobs running and waiting,
     * 503 when jobs cannot be taken.
     */
    public JobRecord submit(Manifest manifest, Manifest.Mouse mouse, JsonNode spec) {
        String why = unavailable;
        if (why != null) {
            throw new JobException(503, "experiments are unavailable: " + why, 10);
        }
        Experiment experiment = type(spec).parse(spec, manifest, mouse);
        if (experiment.totalWindows() > config.maxWindows()) {
            throw new JobException(422, "the experiment needs " + experiment.totalWindows() + " windows, more than the "
                    + config.maxWindows() + " this service runs per job (dwiseneuro.experiments.max-windows): ask for "
                    + "fewer or shorter stimuli, or split it into several jobs");
        }
        Job job;
        synchronized (admission) {
            long active = jobs.values().stream().filter(j -> j.live && !j.state().finished()).count();
            int limit = config.concurrentJobs() + config.queuedJobs();
            if (active >= limit) {
                throw new JobException(429, "too many experiment jobs: " + active + " running or waiting, the most this "
                        + "service takes (dwiseneuro.experiments.concurrent-jobs " + config.concurrentJobs()
                        + " + queued-jobs " + config.queuedJobs() + ")", retryAfterSeconds());
            }
            job = new Job(UUID.randomUUID().toString(), mouse.id(), spec, experiment, Instant.now(), instance);
            jobs.put(job.id, job);
            persist(job);
            runners.execute(() -> run(job, manifest, mouse));
        }
        LOG.infof("Experiment %s (%s, %s) queued: %d windows", job.id, job.type, job.mouse, job.windowsTotal);
        return view(job, true);
    }

    private ExperimentType type(JsonNode spec) {
        JsonNode name = spec == null ? null : spec.get("type");
        if (name == null || !name.isTextual()) {
            throw new SpecException("type", "required: a string naming the experiment, one of " + types.keySet());
        }
        ExperimentType type = types.get(name.asText());
        if (type == null) {
            throw new SpecException("type", "unknown experiment type '" + name.asText() + "'; this service runs "
                    + types.keySet());
        }
        return type;
    }

    public JobRecord get(String id) {
        return view(job(id), true);
    }

    /** Every job the service knows (other instances' included), newest first, without specs and logs. */
    public List<JobRecord> list() {
        refresh(false);
        return jobs.values().stream().sorted(Comparator.comparing((Job j) -> j.created).reversed())
                .map(job -> view(job, false)).toList();
    }

    /**
     * Cancels a queued or running job: its clips in flight fail and their windows leave the device queues.
     * Waits a few seconds for a running experiment to stop, so that the answer usually says cancelled.
     */
    public JobRecord cancel(String id) throws InterruptedException {
        Job job = job(id);
        if (!job.live) {
            return cancelElsewhere(job);
        }
        if (!job.stop(JobState.CANCELLED)) {
            throw new JobException(409, "job " + id + " is already " + job.state().tag() + "; only a queued or running "
                    + "job can be cancelled");
        }
        JobContext context = job.context;
        if (context != null) {
            context.cancelInFlight();
        }
        if (job.state().finished()) {
            persist(job); // it was queued: it ended at once
        }
        long deadline = System.nanoTime() + CANCEL_WAIT.toNanos();
        while (!job.state().finished() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        LOG.infof("Experiment %s cancelled (%s)", id, job.state().tag());
        return view(job, true);
    }

    /** Another instance's job: its owner cancels it when it sees the request (within a second). */
    private JobRecord cancelElsewhere(Job job) throws InterruptedException {
        if (job.state().finished()) {
            throw new JobException(409, "job " + job.id + " is already " + job.state().tag() + "; only a queued or running "
                    + "job can be cancelled");
        }
        try {
            store.requestCancel(job.id);
        } catch (IOException e) {
            throw new JobException(503, "could not ask instance " + job.owner + " to cancel job " + job.id + ": " + e);
        }
        long deadline = System.nanoTime() + CANCEL_WAIT.toNanos();
        JobRecord record = job.record();
        while (!record.state().finished() && System.nanoTime() < deadline) {
            Thread.sleep(100);
            record = store.read(job.id).orElse(record);
        }
        LOG.infof("Experiment %s of instance %s: cancel requested (%s)", job.id, job.owner, record.state().tag());
        Job seen = new Job(record);
        jobs.put(seen.id, seen);
        return view(seen, true);
    }

    public Path resultJson(String id) {
        return store.resultJson(done(id).id).orElseThrow(() -> gone(id));
    }

    public Path resultNpz(String id) {
        return store.resultNpz(done(id).id).orElseThrow(() -> gone(id));
    }

    public Path plot(String id, String name) {
        Job job = done(id);
        return store.plot(job.id, name).orElseThrow(() -> new JobException(404, "job " + id + " has no plot '" + name
                + "'; its plots: " + Optional.ofNullable(job.record().plots()).orElse(List.of())));
    }

    /** A downloadable file of the job's result (the result JSON's 'files' lists them). */
    public Path file(String id, String name) {
        Job job = done(id);
        return store.file(job.id, name).orElseThrow(() -> new JobException(404, "job " + id + " has no file '" + name
                + "'; its result's 'files' lists them"));
    }

    /** The job's stimuli (rebuilt from its spec when the job was read back from disk). */
    public StimulusDownloads stimuli(String id) {
        Job job = job(id);
        Experiment experiment = job.experiment;
        if (experiment == null) {
            ExperimentType type = types.get(job.type);
            Manifest manifest = ensemble.manifest().orElse(null);
            Manifest.Mouse mouse = ensemble.mouse(job.mouse).orElse(null);
            if (type == null || manifest == null || mouse == null) {
                throw new JobException(404, "the stimuli of job " + id + " cannot be rebuilt: this service has no "
                        + (type == null ? "experiment type '" + job.type + "'" : "mouse '" + job.mouse + "'"));
            }
            experiment = type.parse(job.spec, manifest, mouse);
            job.experiment = experiment;
        }
        if (!(experiment instanceof StimulusDownloads downloads)) {
            throw new JobException(404, "experiments of type " + job.type + " offer no stimulus downloads");
        }
        return downloads;
    }

    private Job job(String id) {
        Job job = id == null ? null : jobs.get(id);
        if (job == null || !job.live && !job.state().finished()) {
            // Another instance's job, maybe created since the last refresh: its job.json says where it is.
            Optional<JobRecord> saved = id == null ? Optional.empty() : store.read(id);
            if (saved.isPresent() && (job == null || !job.live)) {
                snapshot(saved.get(), instance.equals(saved.get().owner()));
                job = jobs.get(id);
            }
        }
        if (job == null) {
            throw new JobException(404, "no experiment job '" + id + "'; GET /v1/experiments lists the jobs (finished ones "
                    + "are kept for " + config.retention() + ")");
        }
        return job;
    }

    private Job done(String id) {
        Job job = job(id);
        JobRecord record = job.record();
        if (record.state() != JobState.DONE) {
            String detail = switch (record.state()) {
                case QUEUED -> "is queued";
                case RUNNING -> String.format(java.util.Locale.ROOT, "is running (%.0f%% done)", 100 * record.progress());
                default -> "ended " + record.state().tag() + (record.error() == null ? "" : ": " + record.error());
            };
            throw new JobException(409, "job " + id + " " + detail + "; its result is there once it is done");
        }
        return job;
    }

    private static JobException gone(String id) {
        return new JobException(404, "the result files of job " + id + " are missing from the results directory");
    }

    private void run(Job job, Manifest manifest, Manifest.Mouse mouse) {
        if (!job.start()) {
            return; // cancelled or interrupted while it waited
        }
        JobContext context = new JobContext(job, manifest, mouse, scheduler, config.clipTimeout(), config.windowsInFlight(),
                memoryKib, memoryKibTotal, completions);
        job.context = context;
        persist(job);
        context.log("started: " + job.windowsTotal + " windows");
        try {
            ExperimentResult result = job.experiment.run(context);
            context.checkCancelled();
            job.plots(store.writeResult(job.id, result));
            JobRecord record = job.record();
            if (job.end(JobState.DONE, null)) {
                context.log(String.format(java.util.Locale.ROOT, "done: %d windows in %.1f s (%.1f windows/s)",
                        record.windowsDone(), job.runningSeconds(), record.windowsDone() / Math.max(1e-9, job.runningSeconds())));
            }
        } catch (Throwable error) {
            ended(job, error);
        } finally {
            context.cancelInFlight();
            persist(job);
            metrics.finished(job);
        }
    }

    /** Sorts out how a run that threw ended: stopped as asked, cut by the shutdown, or failed. */
    private void ended(Job job, Throwable error) {
        Throwable cause = unwrap(error);
        JobState stopAs = job.stopAs();
        if (stopAs != null) {
            job.end(stopAs, stopAs == JobState.INTERRUPTED ? "the service shut down while the job was running" : null);
        } else if (cause instanceof InterruptedException || cause instanceof NotAcceptingException) {
            job.end(JobState.INTERRUPTED, "the service shut down while the job was running");
        } else {
            String why;
            if (cause instanceof BatchFailedException e) {
                why = "inference failed on the device (incident " + e.incident() + ")";
            } else if (cause instanceof DeadlineExceededException) {
                why = "a clip waited longer than dwiseneuro.experiments.clip-timeout (" + config.clipTimeout()
                        + ") behind interactive work";
            } else if (cause instanceof SpecException || cause instanceof CancellationException) {
                why = cause.getMessage();
            } else {
                String incident = UUID.randomUUID().toString();
                LOG.errorf(cause, "Experiment %s (%s) failed (incident %s)", job.id, job.type, incident);
                why = "the experiment failed: " + cause.getClass().getSimpleName() + ": " + cause.getMessage()
                        + " (incident " + incident + ")";
            }
            job.end(JobState.FAILED, why);
        }
        if (cause instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        JobRecord record = job.record();
        job.log(record.state().tag() + (record.error() == null ? "" : ": " + record.error()) + " after "
                + record.windowsDone() + " of " + record.windowsTotal() + " windows");
        LOG.infof("Experiment %s (%s, %s) %s after %d of %d windows%s", job.id, job.type, job.mouse, record.state().tag(),
                record.windowsDone(), record.windowsTotal(), record.error() == null ? "" : ": " + record.error());
    }

    private static Throwable unwrap(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /** Seconds until the soonest running job likely ends (Retry-After of a 429), from the jobs' own rates. */
    private long retryAfterSeconds() {
        return jobs.values().stream().map(Job::record).filter(r -> r.secondsLeft() != null)
                .mapToLong(r -> (long) Math.ceil(r.secondsLeft())).min().stream().map(s -> Math.max(1, s))
                .findFirst().orElse(30);
    }

    /** Every progress tick: a line per running job, a save of every unfinished own job (the heartbeat), a refresh. */
    private void tick() {
        for (Job job : jobs.values()) {
            if (!job.live || job.state().finished()) {
                continue;
            }
            if (job.state() == JobState.RUNNING) {
                JobRecord r = job.record();
                String line = String.format(java.util.Locale.ROOT, "%d of %d windows (%.0f%%), %.1f windows/s, about %s left",
                        r.windowsDone(), r.windowsTotal(), 100 * r.progress(), r.windowsPerSecond() == null ? 0.0 : r.windowsPerSecond(),
                        r.secondsLeft() == null ? "?" : Math.round(r.secondsLeft()) + " s");
                job.log(line);
                LOG.infof("Experiment %s (%s, %s): %s", job.id, job.type, job.mouse, line);
            }
            persist(job);
        }
        refresh(true);
    }

    /** Re-reads the other instances' jobs (at most once a second unless {@code now}); marks stale ones interrupted. */
    private void refresh(boolean now) {
        if (!now && System.nanoTime() - refreshedNanos < REFRESH_MS * 1_000_000) {
            return;
        }
        refreshedNanos = System.nanoTime();
        try {
            Set<String> seen = new java.util.HashSet<>();
            for (JobRecord saved : store.load()) {
                seen.add(saved.id());
                Job known = jobs.get(saved.id());
                if (known == null || !known.live) {
                    // An unfinished job of this instance that it does not run was cut (a previous run of it).
                    snapshot(saved, instance.equals(saved.owner()));
                }
            }
            jobs.values().removeIf(job -> !job.live && !seen.contains(job.id)); // removed by another instance
        } catch (IOException | RuntimeException e) {
            LOG.warnf("Could not re-read the results directory %s: %s", store.root(), e.getMessage());
        }
    }

    /**
     * Keeps a job.json as a snapshot; an unfinished one is marked interrupted (and saved) when {@code cut} or when
     * its owner stopped saving it. Returns whether it was marked.
     */
    private boolean snapshot(JobRecord saved, boolean cut) {
        Job job = new Job(saved);
        boolean marked = false;
        if (!saved.state().finished()) {
            Instant updated = saved.updated() != null ? saved.updated() : saved.created();
            boolean gone = updated == null || updated.isBefore(Instant.now().minus(stale));
            if (cut || gone) {
                marked = job.end(JobState.INTERRUPTED, cut
                        ? "cut by a shutdown or crash of the service: it was " + saved.state().tag() + " when the service stopped"
                        : "its instance (" + saved.owner() + ") stopped updating it at " + updated + ": cut by a shutdown or crash");
                persist(job);
                LOG.infof("Experiment %s (%s, %s of %s) marked interrupted: %s", job.id, job.type, job.mouse, job.owner,
                        job.record().error());
            }
        }
        jobs.put(job.id, job);
        return marked;
    }

    /** Cancels this instance's jobs that another instance was asked to cancel. */
    private void pollCancelRequests() {
        for (Job job : jobs.values()) {
            if (!job.live || job.state().finished() || !store.cancelRequested(job.id)) {
                continue;
            }
            LOG.infof("Experiment %s: cancel requested through another instance", job.id);
            if (job.stop(JobState.CANCELLED)) {
                JobContext context = job.context;
                if (context != null) {
                    context.cancelInFlight();
                }
                if (job.state().finished()) {
                    persist(job);
                }
            }
            try {
                store.clearCancel(job.id);
            } catch (IOException e) {
                LOG.warnf("Could not remove the cancel request of %s: %s", job.id, e.getMessage());
            }
        }
    }

    /** Deletes finished jobs older than the retention period, with their results. */
    private void removeExpired() {
        Instant horizon = Instant.now().minus(config.retention());
        for (Job job : jobs.values()) {
            Instant finished = job.finishedAt();
            if (job.state().finished() && finished != null && finished.isBefore(horizon)) {
                try {
                    store.delete(job.id);
                    jobs.remove(job.id);
                    LOG.infof("Experiment %s removed: finished %s, retention %s", job.id, finished, config.retention());
                } catch (IOException | RuntimeException e) {
                    LOG.warnf("Could not remove experiment %s: %s", job.id, e.getMessage());
                }
            }
        }
    }

    /** Saves the job's record (its owner's heartbeat too); failures are logged, the job goes on. */
    private void persist(Job job) {
        try {
            job.saved(Instant.now());
            store.save(view(job, true));
        } catch (RuntimeException e) {
            LOG.errorf("Could not save experiment %s: %s", job.id, e.getMessage());
        }
    }

    /** The job's record with its links; {@code detail} keeps the spec and the log. */
    private JobRecord view(Job job, boolean detail) {
        JobRecord record = job.record();
        String self = BASE + job.id;
        boolean done = record.state() == JobState.DONE;
        Map<String, String> plots = null;
        if (done && record.plots() != null && !record.plots().isEmpty()) {
            plots = new LinkedHashMap<>();
            for (String name : record.plots()) {
                plots.put(name, self + "/plots/" + name);
            }
        }
        JobRecord.Links links = new JobRecord.Links(self, done ? self + "/result" : null, done ? self + "/result.npz" : null,
                plots, job.offersStimuli() ? self + "/stimuli" : null);
        JobRecord linked = record.withLinks(links);
        return detail ? linked : linked.summary();
    }

    private static String instanceName() {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = java.net.InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                host = "localhost";
            }
        }
        return host;
    }

    private static ThreadFactory daemons(String name) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
