package dwiseneuro.serve.batching;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.jboss.logging.Logger;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.JniUtils;
import dwiseneuro.serve.ensemble.EnsembleReplica;
import dwiseneuro.serve.ensemble.Member;

/**
 * The thread that owns one device: it takes batches of windows from its queue, gathers them from the
 * clips' inputs on the device, runs every member on the same batch (core and cortex once per batch,
 * then each mouse's readout on its rows), adds the outputs into each clip's blend on the device, and
 * copies a clip back once, when all its windows are done.
 */
final class DeviceWorker implements Runnable {

    private static final Logger LOG = Logger.getLogger(DeviceWorker.class);
    private static final Duration POLL = Duration.ofMillis(200);

    private final EnsembleReplica replica;
    private final WindowQueue queue;
    private final int maxBatch;
    private final Duration maxDelay;
    private final BatchingMetrics metrics;
    private volatile boolean running = true;

    DeviceWorker(EnsembleReplica replica, WindowQueue queue, int maxBatch, Duration maxDelay, BatchingMetrics metrics) {
        this.replica = replica;
        this.queue = queue;
        this.maxBatch = maxBatch;
        this.maxDelay = maxDelay;
        this.metrics = metrics;
    }

    WindowQueue queue() {
        return queue;
    }

    String deviceName() {
        return replica.device().toString();
    }

    /** Finishes what is queued, then stops. */
    void stop() {
        running = false;
    }

    @Override
    public void run() {
        JniUtils.setGradMode(false); // thread-local in PyTorch: no autograd graph for inference
        List<ClipJob> dropped = new ArrayList<>();
        while (running || !queue.isEmpty()) {
            List<Window> batch;
            try {
                batch = queue.take(maxBatch, maxDelay, POLL, dropped);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            settleDropped(dropped);
            if (!batch.isEmpty()) {
                runBatch(batch);
            }
        }
        LOG.infof("Worker for %s stopped", deviceName());
    }

    private void settleDropped(List<ClipJob> dropped) {
        for (ClipJob job : dropped) {
            if (!job.finished()) {
                metrics.rejected("deadline");
                job.result.completeExceptionally(new DeadlineExceededException(
                        "the request's deadline passed with " + (job.windows() - job.windowsDone)
                                + " of its " + job.windows() + " windows not yet run"));
            }
            job.release();
        }
        dropped.clear();
    }

    private void runBatch(List<Window> batch) {
        long start = System.nanoTime();
        for (Window window : batch) {
            metrics.queueWait(start - window.job().enqueuedNanos);
        }
        Map<ClipJob, List<Integer>> rowsByJob = new LinkedHashMap<>();
        for (int row = 0; row < batch.size(); row++) {
            rowsByJob.computeIfAbsent(batch.get(row).job(), j -> new ArrayList<>()).add(row);
        }
        try (PtNDManager scratch = (PtNDManager) replica.manager().newSubManager()) {
            PtNDArray inputs = gather(batch, rowsByJob, scratch);
            Map<ClipJob, PtNDArray> placements = new LinkedHashMap<>();
            for (Map.Entry<ClipJob, List<Integer>> entry : rowsByJob.entrySet()) {
                placements.put(entry.getKey(), placement(entry.getKey(), batch, entry.getValue(), scratch));
            }
            Map<Integer, List<ClipJob>> jobsByMouse = new LinkedHashMap<>();
            for (ClipJob job : rowsByJob.keySet()) {
                jobsByMouse.computeIfAbsent(job.mouse, m -> new ArrayList<>()).add(job);
            }
            for (Member member : replica.members()) {
                long memberStart = System.nanoTime();
                PtNDArray features = member.features(inputs, scratch);
                for (Map.Entry<Integer, List<ClipJob>> mouse : jobsByMouse.entrySet()) {
                    // One readout call per mouse; its rows are the mouse's clips one after the other.
                    List<Integer> rows = new ArrayList<>();
                    mouse.getValue().forEach(job -> rows.addAll(rowsByJob.get(job)));
                    PtNDArray outputs = member.readout(select(features, rows, batch.size(), scratch), mouse.getKey(), scratch);
                    int offset = 0;
                    for (ClipJob job : mouse.getValue()) {
                        int count = rowsByJob.get(job).size();
                        accumulate(job, count == rows.size() ? outputs : slice(outputs, offset, count, scratch),
                                placements.get(job));
                        offset += count;
                    }
                }
                metrics.memberBatch(member.name(), System.nanoTime() - memberStart);
            }
            for (Map.Entry<ClipJob, List<Integer>> entry : rowsByJob.entrySet()) {
                ClipJob job = entry.getKey();
                job.windowsDone += entry.getValue().size();
                if (job.windowsDone == job.windows()) {
                    complete(job);
                }
            }
            metrics.batch(batch.size(), System.nanoTime() - start);
        } catch (RuntimeException e) {
            String incident = UUID.randomUUID().toString();
            LOG.errorf(e, "Batch of %d windows from %d clips failed on %s (incident %s)", batch.size(),
                    rowsByJob.size(), deviceName(), incident);
            metrics.rejected("batch_failure");
            for (ClipJob job : rowsByJob.keySet()) {
                job.result.completeExceptionally(new BatchFailedException(incident, e));
                job.release(); // the queue drops its remaining windows at the next take
            }
        }
    }

    /** (windows, 5, 16, H, W): each window's frames, sliced from its clip's input on the device. */
    private PtNDArray gather(List<Window> batch, Map<ClipJob, List<Integer>> rowsByJob, PtNDManager scratch) {
        for (ClipJob job : rowsByJob.keySet()) {
            job.upload(replica.manager());
        }
        NDList windows = new NDList(batch.size());
        for (Window window : batch) {
            ClipJob job = window.job();
            int first = job.plan.firstFrame(window.end());
            int stop = first + (job.plan.size() - 1) * job.plan.step() + 1;
            NDArray slice = job.input.get(new NDIndex(":, {}:{}:{}", first, stop, job.plan.step()));
            slice.attach(scratch);
            windows.add(slice);
        }
        NDArray stacked = NDArrays.stack(windows);
        stacked.attach(scratch);
        return (PtNDArray) stacked;
    }

    /** The given rows of {@code features} (all of them without a copy when the rows are the whole batch). */
    private static PtNDArray select(PtNDArray features, List<Integer> rows, int batchSize, PtNDManager scratch) {
        if (rows.size() == batchSize) {
            return features;
        }
        long[] index = rows.stream().mapToLong(Integer::longValue).toArray();
        NDArray picked = features.get(new NDIndex("{}", scratch.create(index)));
        picked.attach(scratch);
        return (PtNDArray) picked;
    }

    private static PtNDArray slice(PtNDArray outputs, int offset, int count, PtNDManager scratch) {
        NDArray part = outputs.get(new NDIndex("{}:{}", offset, offset + count));
        part.attach(scratch);
        return (PtNDArray) part;
    }

    /**
     * A 0/1 matrix (windows x 16, frames) that places each output frame of a clip's windows at its
     * frame in the clip: outputs (neurons, windows x 16) times this matrix is the windows' sum per frame.
     */
    private static PtNDArray placement(ClipJob job, List<Window> batch, List<Integer> rows, PtNDManager scratch) {
        int size = job.plan.size();
        float[] matrix = new float[rows.size() * size * job.frames];
        for (int k = 0; k < rows.size(); k++) {
            int frame = job.plan.firstFrame(batch.get(rows.get(k)).end());
            for (int s = 0; s < size; s++, frame += job.plan.step()) {
                matrix[(k * size + s) * job.frames + frame] = 1f;
            }
        }
        return (PtNDArray) scratch.create(matrix, new Shape((long) rows.size() * size, job.frames));
    }

    /** blend += outputs placed at their frames; outputs: (windows, neurons, 16). */
    private static void accumulate(ClipJob job, PtNDArray outputs, PtNDArray placement) {
        Shape shape = outputs.getShape();
        NDArray flat = outputs.transpose(1, 0, 2).reshape(shape.get(1), shape.get(0) * shape.get(2));
        NDArray placed = flat.matMul(placement);
        job.blend.addi(placed);
        flat.close();
        placed.close();
    }

    /** Divides the blend by the window coverage and the member count, copies it back once, frees the clip. */
    private void complete(ClipJob job) {
        float[] coverage = job.plan.coverage(job.frames);
        int members = replica.members().size();
        for (int t = 0; t < coverage.length; t++) {
            coverage[t] *= members;
        }
        try (NDArray divisor = job.manager.create(coverage, new Shape(1, job.frames));
             NDArray mean = job.blend.div(divisor)) {
            float[] values = mean.toFloatArray();
            job.release();
            job.result.complete(values);
        }
    }
}
