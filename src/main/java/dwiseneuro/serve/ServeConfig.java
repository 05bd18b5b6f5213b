package dwiseneuro.serve;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/** Every setting of the service, under the {@code dwiseneuro.} prefix (environment: {@code DWISENEURO_...}). */
@ConfigMapping(prefix = "dwiseneuro")
public interface ServeConfig {

    /** The ensemble folder to serve: manifest.json plus one TorchScript file per member. */
    @WithName("models-dir")
    @WithDefault("models/demo")
    Path modelsDir();

    /** Check every member file against the sha256 in the manifest before loading it. */
    @WithName("verify-checksums")
    @WithDefault("true")
    boolean verifyChecksums();

    /** Devices: "auto" (every GPU, else the CPU), "cpu", or a comma-separated list like "gpu0,gpu1". */
    @WithDefault("auto")
    String devices();

    /** Intra-op threads of the PyTorch engine on CPU (0: PyTorch's default). Applies before the engine starts. */
    @WithDefault("0")
    int threads();

    /**
     * TorchScript's profiling graph executor (optimisation passes and, on GPUs, fusion compiles). Off by
     * default: it re-specialises a member for every new batch size and per-mouse row count, which on GPUs
     * stalls batches for seconds (bench/GraphExecutor.java measures what it costs and gains). Thread-local
     * in libtorch: applied on the loader and device-worker threads.
     */
    @WithName("graph-optimizer")
    @WithDefault("false")
    boolean graphOptimizer();

    Batching batching();

    Limits limits();

    Auth auth();

    Experiments experiments();

    interface Batching {
        /** Most windows one forward call of a member takes (across clips and mice). */
        @WithName("max-batch")
        @WithDefault("32")
        int maxBatch();

        /** Longest time a worker waits for a fuller batch once it has work. */
        @WithName("max-delay")
        @WithDefault("5ms")
        Duration maxDelay();

        /** Windows that may wait in one device's queue; a request that does not fit gets 429. */
        @WithName("queue-capacity")
        @WithDefault("8192")
        int queueCapacity();

        /**
         * Most model input (float32, 80 KiB per frame of a clip) that queued clips may hold, on the heap and
         * then on the device; a clip that does not fit gets 429 like a full queue. Default: a quarter of
         * the maximum heap. Short clips are the reason: a 31-frame clip holds 2.5 MiB for one window.
         */
        @WithName("queue-memory")
        Optional<MemorySize> queueMemory();

        /** Deadline of a request that does not set its own (timeout_ms / X-Request-Timeout-Ms). */
        @WithName("default-timeout")
        @WithDefault("120s")
        Duration defaultTimeout();

        /** At shutdown, how long the workers may take to finish the windows already queued. */
        @WithName("drain-timeout")
        @WithDefault("30s")
        Duration drainTimeout();

        /**
         * Most background (experiment) windows in one batch. Default: max-batch on a GPU, so that experiments
         * fill every batch; 4 on a CPU, where a batch costs in proportion to its windows, which bounds how long
         * an interactive request waits behind background work (the batch running when it arrives, and the
         * background share of its own batches) at no cost in throughput.
         */
        @WithName("background-batch")
        Optional<Integer> backgroundBatch();

        /** How often the workers log their throughput. */
        @WithName("log-interval")
        @WithDefault("30s")
        Duration logInterval();
    }

    interface Limits {
        /** Largest accepted request body in bytes (larger: 413). */
        @WithName("max-upload-bytes")
        @WithDefault("268435456")
        long maxUploadBytes();

        /** Most frames in one clip (more: 413). 3600 frames is two minutes at 30 fps. */
        @WithName("max-frames")
        @WithDefault("3600")
        int maxFrames();

    }

    /** In-silico experiment jobs (POST /v1/mice/{id}/experiments): limits, results and their retention. */
    interface Experiments {
        /** Where jobs and their results are kept (one folder per job); a PersistentVolumeClaim in k8s/. */
        @WithName("results-dir")
        @WithDefault("results/experiments")
        Path resultsDir();

        /** How long a finished job and its results are kept, counted from its end. */
        @WithDefault("7d")
        Duration retention();

        /** Most windows one experiment may submit (more: 422). */
        @WithName("max-windows")
        @WithDefault("200000")
        long maxWindows();

        /** Jobs that run at the same time; they share the devices' background capacity. */
        @WithName("concurrent-jobs")
        @WithDefault("2")
        int concurrentJobs();

        /** Jobs that may wait for a turn; a job beyond concurrent-jobs + queued-jobs gets 429 with Retry-After. */
        @WithName("queued-jobs")
        @WithDefault("16")
        int queuedJobs();

        /**
         * Windows one job may have queued or running at a time: enough to keep every device's batches full,
         * few enough that the job never floods the device queues. A job waits (it is never refused) when
         * its windows are in flight.
         */
        @WithName("windows-in-flight")
        @WithDefault("256")
        int windowsInFlight();

        /**
         * Model input (80 KiB per frame) that all jobs' clips in flight may hold together; jobs wait beyond
         * it. Background clips are not counted in dwiseneuro.batching.queue-memory, so that they cannot
         * make interactive requests be refused. Default: an eighth of the maximum heap, at most 256 MiB.
         */
        @WithName("memory-in-flight")
        Optional<MemorySize> memoryInFlight();

        /** Deadline of one experiment clip in the device queue (background work waits behind interactive work). */
        @WithName("clip-timeout")
        @WithDefault("1h")
        Duration clipTimeout();
    }

    interface Auth {
        /**
         * API keys that may call the API (every path outside /q/: /v1/**, /v2/**), sent as
         * "Authorization: Bearer KEY" or "X-API-Key: KEY". None (the default): no authentication.
         * Health, metrics and the OpenAPI document under /q/ stay open.
         */
        @WithName("api-keys")
        Optional<List<String>> apiKeys();
    }
}
