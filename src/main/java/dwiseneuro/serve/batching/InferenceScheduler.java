package dwiseneuro.serve.batching;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Function;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import dwiseneuro.serve.ServeConfig;
import dwiseneuro.serve.clip.Clip;
import dwiseneuro.serve.clip.ClipException;
import dwiseneuro.serve.clip.InputStacker;
import dwiseneuro.serve.clip.WindowPlan;
import dwiseneuro.serve.ensemble.Ensemble;
import dwiseneuro.serve.ensemble.EnsembleReady;
import dwiseneuro.serve.ensemble.EnsembleReplica;
import dwiseneuro.serve.ensemble.Manifest;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Entry point of inference: turns a clip into a job, puts its windows on the least loaded device's
 * queue (or refuses at once with 429 when they do not fit), and hands back the ensemble mean.
 */
@ApplicationScoped
public class InferenceScheduler {

    private static final Logger LOG = Logger.getLogger(InferenceScheduler.class);
    /** Default most background windows per batch on a CPU device. */
    static final int CPU_BACKGROUND_BATCH = 4;

    private final ServeConfig config;
    private final Ensemble ensemble;
    private final BatchingMetrics metrics;
    private final List<DeviceWorker> workers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final List<EnsembleReplica> replicas = new ArrayList<>();
    private ScheduledExecutorService throughputLog;
    /** Completes the answers, so that building them (JSON, PNG, .npy) runs off the device threads. */
    private ExecutorService completion;
    private volatile Manifest manifest;
    private volatile boolean accepting;
    private final MemoryBudget memory;

    public InferenceScheduler(ServeConfig config, MeterRegistry registry, Ensemble ensemble) {
        this.config = config;
        this.ensemble = ensemble;
        this.metrics = new BatchingMetrics(registry);
        long budget = config.batching().queueMemory().map(size -> size.asLongValue())
                .orElse(Runtime.getRuntime().maxMemory() / 4);
        this.memory = new MemoryBudget(budget);
        registry.gauge("dwiseneuro.queue.bytes", memory, MemoryBudget::used);
    }

    /** Starts one worker per device as soon as the ensemble is warm. */
    synchronized void start(@Observes EnsembleReady ready) {
        manifest = ready.manifest();
        ServeConfig.Batching batching = config.batching();
        replicas.addAll(ready.replicas());
        AtomicInteger completions = new AtomicInteger();
        int completionThreads = Math.max(2, Math.min(8, Runtime.getRuntime().availableProcessors() / 2));
        completion = Executors.newFixedThreadPool(completionThreads, r -> {
            Thread t = new Thread(r, "inference-completion-" + completions.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        for (EnsembleReplica replica : ready.replicas()) {
            WindowQueue queue = new WindowQueue(batching.queueCapacity(), backgroundBatch(batching, replica));
            String device = replica.device().toString();
            DeviceWorker worker = new DeviceWorker(replica, queue, new DeviceWorker.Settings(batching.maxBatch(),
                    batching.maxDelay(), config.graphOptimizer(), completion, error -> ensemble.deviceFailed(device, error)),
                    metrics);
            metrics.queueMeters(worker.deviceName(), queue);
            Thread thread = new Thread(worker, "device-worker-" + replica.device());
            thread.setDaemon(true);
            thread.start();
            workers.add(worker);
            threads.add(thread);
        }
        throughputLog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "throughput-log");
            t.setDaemon(true);
            return t;
        });
        long interval = batching.logInterval().toMillis();
        throughputLog.scheduleAtFixedRate(new ThroughputLog(metrics, this::queuedWindows), interval, interval, TimeUnit.MILLISECONDS);
        accepting = true;
        LOG.infof("Batching on %d device(s): max-batch %d, max-delay %s, queue capacity %d windows per device, "
                + "%s of model input in all", workers.size(), batching.maxBatch(), batching.maxDelay(),
                batching.queueCapacity(), MemoryBudget.mib(memory.capacity()));
    }

    /** Most background windows per batch on this replica's device: all of a batch on a GPU, a few on a CPU. */
    private static int backgroundBatch(ServeConfig.Batching batching, EnsembleReplica replica) {
        // On a CPU a batch costs in proportion to its windows (bench/results/batching-*.md), so background windows
        // filling it would only make the interactive windows in it, and those arriving, wait longer.
        return batching.backgroundBatch().orElse(replica.device().isGpu() ? batching.maxBatch()
                : Math.min(batching.maxBatch(), CPU_BACKGROUND_BATCH));
    }

    public boolean accepting() {
        return accepting;
    }

    /** {@link #submit(Clip, Manifest.Mouse, Duration, Priority)} at interactive priority. */
    public Submission submit(Clip clip, Manifest.Mouse mouse, Duration timeout) {
        return submit(clip, mouse, timeout, Priority.INTERACTIVE);
    }

    /**
     * Queues every window of {@code clip} for {@code mouse}; the future completes with the
     * (neurons x frames) ensemble mean in C order, or fails with {@link QueueFullException} (at once),
     * {@link DeadlineExceededException} or {@link BatchFailedException}. Background clips are never
     * refused with 429 and count neither against the queue's window capacity nor against its memory
     * budget, so that they cannot make interactive requests be refused: their submitter bounds the
     * windows and bytes it has in flight (experiments.jobs.JobContext). At shutdown their remaining
     * windows fail with {@link NotAcceptingException} instead of being drained.
     */
    public Submission submit(Clip clip, Manifest.Mouse mouse, Duration timeout, Priority priority) {
        return submit(clip, mouse, timeout, priority, null);
    }

    /**
     * Queues the gradient of J = sum over (neuron, frame) of {@code weights} (neurons x frames, C order) x the
     * ensemble-mean response of {@code mouse} to {@code clip}, with respect to the clip's video; refused like
     * {@link #submit} and, with {@link GradientsUnavailableException}, when a member lacks input_gradient.
     */
    public GradientSubmission submitGradient(Clip clip, Manifest.Mouse mouse, float[] weights, Duration timeout,
                                             Priority priority) {
        Manifest m = requireGradients();
        GradientWork work = GradientWork.of(m.input(), weights, false);
        return new GradientSubmission(submit(clip, mouse, timeout, priority, work), work);
    }

    /** A queued gradient: {@link #thenAnswer} gives J and dJ / dvideo, (height, width, frames) in C order. */
    public record GradientSubmission(Submission submission, GradientWork work) {

        public <T> CompletionStage<T> thenAnswer(BiFunction<Float, float[], T> answer) {
            return submission.thenAnswer(values -> answer.apply(work.objectiveValue, values));
        }
    }

    /** The manifest, when every member exports input_gradient; else GradientsUnavailableException. */
    private Manifest requireGradients() {
        Manifest m = manifest;
        if (!accepting || m == null) {
            throw new NotAcceptingException("the service is not accepting work (starting or shutting down)");
        }
        List<String> lacking = m.members().stream().filter(e -> !e.hasInputGradient()).map(Manifest.MemberEntry::file).toList();
        if (!lacking.isEmpty()) {
            throw new GradientsUnavailableException(lacking);
        }
        return m;
    }

    /**
     * A device for an experiment that optimises a stimulus there (most exciting inputs): its arrays live in
     * {@link GradientDevice#newManager()}, and its gradient clips take their input from that device, so that
     * nothing but objective values crosses to the host per step.
     */
    public GradientDevice gradientDevice() {
        requireGradients();
        return new GradientDevice(leastLoaded(Priority.BACKGROUND));
    }

    /** One device's memory and its queue, for gradients whose input is already there. */
    public final class GradientDevice {

        private final DeviceWorker worker;

        private GradientDevice(DeviceWorker worker) {
            this.worker = worker;
        }

        /**
         * A manager of the experiment's own on this device, for its arrays: not one of the replica's, so that
         * freeing the replica at shutdown never frees arrays an experiment thread is still using (the
         * experiment closes it).
         */
        public NDManager newManager() {
            return NDManager.newBaseManager(worker.manager().getDevice(), worker.manager().getEngine().getEngineName());
        }

        /**
         * Queues the gradient for {@code input} (channels, frames, canvas height, canvas width) on this device;
         * the job takes {@code input} over (it must not be used or closed afterwards). The answer's gradient
         * stays on the device; whoever gets it closes it.
         */
        public DeviceSubmission submit(NDArray input, Manifest.Mouse mouse, float[] weights,
                                       Duration timeout, Priority priority) {
            Manifest m = requireGradients();
            GradientWork work = GradientWork.of(m.input(), weights, true);
            ClipJob job = ClipJob.onDevice(mouse.index(), mouse.neurons(), (PtNDArray) input, worker.manager(),
                    m.frameStack().plan(), System.nanoTime() + timeout.toNanos(), priority, work);
            try {
                worker.queue().offer(job, retryAfterSeconds(worker));
            } catch (RuntimeException e) {
                job.release();
                throw e;
            }
            return new DeviceSubmission(job.result.thenApply(objective -> work.deviceAnswer),
                    () -> job.result.completeExceptionally(new CancellationException("cancelled")));
        }
    }

    /** A queued device gradient and a way to drop its remaining windows. */
    public record DeviceSubmission(CompletableFuture<DeviceGradient> answer, Runnable cancel) {
    }

    private Submission submit(Clip clip, Manifest.Mouse mouse, Duration timeout, Priority priority, GradientWork gradient) {
        Manifest m = manifest;
        if (!accepting || m == null) {
            if (priority == Priority.INTERACTIVE) {
                metrics.rejected("shutting_down");
            }
            throw new NotAcceptingException("the service is not accepting work (starting or shutting down)");
        }
        Manifest.Input input = m.input();
        WindowPlan plan = m.frameStack().plan();
        boolean background = priority == Priority.BACKGROUND;
        DeviceWorker worker = leastLoaded(priority);
        if (clip.windows(plan) > worker.queue().capacity()) {
            throw new ClipException(413, "the clip has " + clip.windows(plan) + " windows, more than a device queue holds ("
                    + worker.queue().capacity() + "); send it in parts");
        }
        // The model input (float32, channels x frames x height x width) is reserved before it is built.
        long bytes = 4L * input.channels() * clip.frames() * input.height() * input.width();
        if (bytes > memory.capacity()) {
            throw new ClipException(413, "the clip's model input needs " + MemoryBudget.mib(bytes) + ", more than the queue "
                    + "may hold (dwiseneuro.batching.queue-memory: " + MemoryBudget.mib(memory.capacity()) + "); send it in parts");
        }
        if (!background && !memory.tryReserve(bytes)) {
            metrics.rejected("queue_full");
            throw new QueueFullException("the inference queue is full (" + MemoryBudget.mib(memory.used()) + " of "
                    + MemoryBudget.mib(memory.capacity()) + " of model input waiting; this clip needs "
                    + MemoryBudget.mib(bytes) + ")", retryAfterSeconds(worker));
        }
        long reserved = background ? 0 : bytes;
        ClipJob job;
        try {
            float[] stacked = new InputStacker(input.height(), input.width(), input.padFillValue()).stack(clip);
            job = new ClipJob(mouse.index(), mouse.neurons(), stacked, input.channels(), clip.frames(),
                    input.height(), input.width(), plan, System.nanoTime() + timeout.toNanos(), priority, gradient);
            job.onRelease(() -> memory.release(reserved));
            worker.queue().offer(job, retryAfterSeconds(worker));
        } catch (QueueFullException e) {
            memory.release(reserved);
            metrics.rejected("queue_full");
            throw e;
        } catch (RuntimeException | Error e) {
            memory.release(reserved);
            throw e;
        }
        return new Submission(job.result, timeout, () -> {
            if (job.result.completeExceptionally(new DeadlineExceededException("the client went away"))) {
                metrics.rejected("client_gone");
            }
        });
    }

    /**
     * The refusal, when not even the smallest clip (one window) fits now in the emptiest device queue or
     * in the memory budget (counted as queue_full). Lets the API refuse before it reads a body, so that
     * refusing under overload costs no upload, decoding or disk; submit still checks the clip itself.
     */
    public Optional<QueueFullException> refusalBeforeBody() {
        Manifest m = manifest;
        if (!accepting || m == null) {
            return Optional.empty(); // the resource answers 503 with the reason
        }
        DeviceWorker worker = workers.stream().filter(w -> !w.lost())
                .min(Comparator.comparingInt(w -> w.queue().pending())).orElse(null);
        if (worker == null) {
            return Optional.empty(); // every device failed: the resource answers 503 with the reason
        }
        Manifest.Input input = m.input();
        long smallestClip = 4L * input.channels() * m.frameStack().plan().minLength() * input.height() * input.width();
        String why;
        if (worker.queue().pending() >= worker.queue().capacity()) {
            why = worker.queue().pending() + " of " + worker.queue().capacity() + " windows waiting";
        } else if (memory.capacity() - memory.used() < smallestClip) {
            why = MemoryBudget.mib(memory.used()) + " of " + MemoryBudget.mib(memory.capacity()) + " of model input waiting";
        } else {
            return Optional.empty();
        }
        metrics.rejected("queue_full");
        return Optional.of(new QueueFullException("the inference queue is full (" + why + "; the smallest clip needs "
                + MemoryBudget.mib(smallestClip) + " and one window)", retryAfterSeconds(worker)));
    }

    /** A queued clip: its result, its deadline, and a way to drop its remaining windows when the client leaves. */
    public record Submission(CompletableFuture<float[]> result, Duration timeout, Runnable cancel) {

        /**
         * {@code answer} applied to the result. Fails with the scheduler's own exception rather than a
         * CompletionException, and with DeadlineExceededException 5 s after the deadline: a backstop, since
         * the worker drops expired windows but a clip in flight finishes its batch.
         */
        public <T> CompletionStage<T> thenAnswer(Function<float[], T> answer) {
            return result.orTimeout(timeout.toMillis() + 5_000, TimeUnit.MILLISECONDS)
                    .handle((values, error) -> {
                        if (error != null) {
                            throw unwrap(error);
                        }
                        return answer.apply(values);
                    });
        }

        private static RuntimeException unwrap(Throwable error) {
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (cause instanceof TimeoutException) {
                return new DeadlineExceededException("the request's deadline passed");
            }
            return cause instanceof RuntimeException runtime ? runtime : new IllegalStateException(cause);
        }
    }

    /** The worker with the fewest windows waiting, among those whose device still works. */
    /** The working device with the fewest windows waiting (background work also counts those of its own priority). */
    private DeviceWorker leastLoaded(Priority priority) {
        boolean background = priority == Priority.BACKGROUND;
        return workers.stream().filter(w -> !w.lost()).min(Comparator.comparingInt(
                        w -> background ? w.queue().pending() + w.queue().backgroundPending() : w.queue().pending()))
                .orElseThrow(() -> new NotAcceptingException("every device failed: "
                        + ensemble.problem() + "; the service must be restarted"));
    }

    /** Seconds until the device has likely worked off its queue, from the measured window rate. */
    private long retryAfterSeconds(DeviceWorker worker) {
        long batches = metrics.batchesRun.get();
        double secondsPerWindow = batches == 0 ? 0.05 : metrics.batchNanos.get() / 1e9 / Math.max(1, metrics.windowsRun.get());
        return Math.max(1, (long) Math.ceil(worker.queue().pending() * secondsPerWindow));
    }

    /** Windows waiting on every device, both priorities. */
    int queuedWindows() {
        return workers.stream().mapToInt(w -> w.queue().pending() + w.queue().backgroundPending()).sum();
    }

    /** Graceful shutdown: refuse new clips, let the workers finish what is queued. */
    @PreDestroy
    synchronized void stop() {
        accepting = false;
        workers.forEach(w -> w.queue().close());
        workers.forEach(DeviceWorker::stop);
        long grace = System.nanoTime() + config.batching().drainTimeout().toNanos();
        for (Thread thread : threads) {
            try {
                thread.join(Math.max(1, (grace - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (throughputLog != null) {
            throughputLog.shutdownNow();
        }
        // Native memory goes only when no worker can touch it any more.
        if (threads.stream().noneMatch(Thread::isAlive)) {
            if (completion != null) {
                completion.shutdown(); // the answers already handed to it still complete
                try {
                    completion.awaitTermination(Math.max(1, (grace - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            replicas.forEach(EnsembleReplica::close);
        } else {
            LOG.warn("A device worker did not stop within the drain timeout; its native memory is left to the process exit");
        }
        replicas.clear();
    }
}
