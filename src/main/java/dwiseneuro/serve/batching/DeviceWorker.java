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
import ai.djl.ndarray.types.DataType;
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

    /** A clip's windows in a batch: rows {@code start .. start + windows.size()} of the ordered batch. */
    private record Segment(ClipJob job, int start, List<Window> windows) {
    }

    /** The rows of one mouse: its clips' segments, one after another. */
    private record MouseRows(int mouse, int start, int count, List<Segment> segments) {
    }

    private void runBatch(List<Window> batch) {
        long start = System.nanoTime();
        for (Window window : batch) {
            metrics.queueWait(window.job().priority, start - window.job().enqueuedNanos);
        }
        // Order the rows by mouse, then by clip, so that every mouse and every clip is a contiguous
        // range of the batch: readouts and blends then work on slices, without gathers.
        Map<Integer, Map<ClipJob, List<Window>>> byMouse = new LinkedHashMap<>();
        for (Window window : batch) {
            byMouse.computeIfAbsent(window.job().mouse, m -> new LinkedHashMap<>())
                    .computeIfAbsent(window.job(), j -> new ArrayList<>()).add(window);
        }
        List<Window> ordered = new ArrayList<>(batch.size());
        List<MouseRows> mice = new ArrayList<>();
        for (Map.Entry<Integer, Map<ClipJob, List<Window>>> mouse : byMouse.entrySet()) {
            int mouseStart = ordered.size();
            List<Segment> segments = new ArrayList<>();
            for (Map.Entry<ClipJob, List<Window>> clip : mouse.getValue().entrySet()) {
                segments.add(new Segment(clip.getKey(), ordered.size(), clip.getValue()));
                ordered.addAll(clip.getValue());
            }
            mice.add(new MouseRows(mouse.getKey(), mouseStart, ordered.size() - mouseStart, segments));
        }
        List<Segment> segments = mice.stream().flatMap(m -> m.segments().stream()).toList();
        try (PtNDManager scratch = (PtNDManager) replica.manager().newSubManager()) {
            PtNDArray inputs = gather(ordered, segments, scratch);
            Map<ClipJob, PtNDArray> placements = new LinkedHashMap<>();
            for (Segment segment : segments) {
                placements.put(segment.job(), placement(segment, scratch));
            }
            Map<DataType, PtNDArray> inputsByType = new LinkedHashMap<>();
            inputsByType.put(DataType.FLOAT32, inputs);
            for (Member member : replica.members()) {
                long memberStart = System.nanoTime();
                PtNDArray typed = inputsByType.computeIfAbsent(member.dataType(), type -> {
                    NDArray cast = inputs.toType(type, false);
                    cast.attach(scratch);
                    return (PtNDArray) cast;
                });
                PtNDArray features = member.features(typed, scratch);
                for (MouseRows mouse : mice) {
                    // One readout call per mouse, on its rows of the shared core and cortex features.
                    PtNDArray outputs = member.readout(rows(features, mouse.start(), mouse.count(), ordered.size(), scratch),
                            mouse.mouse(), scratch);
                    for (Segment segment : mouse.segments()) {
                        accumulate(segment.job(), rows(outputs, segment.start() - mouse.start(), segment.windows().size(),
                                mouse.count(), scratch), placements.get(segment.job()));
                    }
                }
                metrics.memberBatch(member.name(), System.nanoTime() - memberStart);
            }
            for (Segment segment : segments) {
                ClipJob job = segment.job();
                job.windowsDone += segment.windows().size();
                if (job.windowsDone == job.windows()) {
                    complete(job);
                }
            }
            metrics.batch(batch.size(), System.nanoTime() - start);
        } catch (RuntimeException | Error e) {
            // An Error too (OutOfMemoryError under load): the batch fails, the worker must go on.
            String incident = UUID.randomUUID().toString();
            LOG.errorf(e, "Batch of %d windows from %d clips failed on %s (incident %s)", batch.size(),
                    segments.size(), deviceName(), incident);
            metrics.rejected("batch_failure");
            for (Segment segment : segments) {
                segment.job().result.completeExceptionally(new BatchFailedException(incident, e));
                segment.job().release(); // the queue drops its remaining windows at the next take
            }
        }
    }

    /** (windows, 5, 16, H, W): each window's frames, sliced from its clip's input on the device. */
    private PtNDArray gather(List<Window> ordered, List<Segment> segments, PtNDManager scratch) {
        for (Segment segment : segments) {
            segment.job().upload(replica.manager());
        }
        NDList windows = new NDList(ordered.size());
        for (Window window : ordered) {
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

    /** Rows {@code start .. start + count} of {@code array} (the array itself when that is all of it). */
    private static PtNDArray rows(PtNDArray array, int start, int count, int total, PtNDManager scratch) {
        if (start == 0 && count == total) {
            return array;
        }
        NDArray part = array.get(new NDIndex("{}:{}", start, start + count));
        part.attach(scratch);
        return (PtNDArray) part;
    }

    /**
     * A 0/1 matrix (windows x 16, frames) that places each output frame of a clip's windows at its
     * frame in the clip: outputs (neurons, windows x 16) times this matrix is the windows' sum per frame.
     */
    private static PtNDArray placement(Segment segment, PtNDManager scratch) {
        ClipJob job = segment.job();
        int size = job.plan.size();
        List<Window> windows = segment.windows();
        float[] matrix = new float[windows.size() * size * job.frames];
        for (int k = 0; k < windows.size(); k++) {
            int frame = job.plan.firstFrame(windows.get(k).end());
            for (int s = 0; s < size; s++, frame += job.plan.step()) {
                matrix[(k * size + s) * job.frames + frame] = 1f;
            }
        }
        return (PtNDArray) scratch.create(matrix, new Shape((long) windows.size() * size, job.frames));
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
