package dwiseneuro.serve.batching;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

import org.jboss.logging.Logger;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.JniUtils;
import dwiseneuro.serve.ensemble.DeviceErrors;
import dwiseneuro.serve.ensemble.EnsembleReplica;
import dwiseneuro.serve.ensemble.Member;

/**
 * The thread that owns one device: it takes batches of windows from its queue, gathers them from the
 * clips' inputs on the device, runs every member on the same batch (core and cortex once per batch,
 * then each mouse's readout on its rows), adds the outputs into each clip's blend on the device, and
 * copies a clip back once, when all its windows are done. The answer is completed on another executor,
 * so that encoding it (JSON, PNG, .npy) never holds up the device.
 *
 * <p>A batch the device has no memory for runs again as two halves, recursively, down to single
 * windows: only a window that fails alone fails its clip. An error that leaves the CUDA context
 * unusable (DeviceErrors.Kind.DEVICE_LOST) fails the batch and every later one with 503, and is
 * reported once, so that readiness goes DOWN.
 */
final class DeviceWorker implements Runnable {

    private static final Logger LOG = Logger.getLogger(DeviceWorker.class);
    private static final Duration POLL = Duration.ofMillis(200);

    /** How the worker runs: batch limits, the graph executor setting, where answers complete, whom to tell of a lost device. */
    record Settings(int maxBatch, Duration maxDelay, boolean graphOptimizer, Executor completion,
                    Consumer<String> onDeviceLost) {
    }

    private final EnsembleReplica replica;
    private final WindowQueue queue;
    private final Settings settings;
    private final BatchingMetrics metrics;
    private volatile boolean running = true;
    /** Set once, when the device's CUDA context broke; every later window is refused with it. */
    private volatile DeviceFailedException lost;

    DeviceWorker(EnsembleReplica replica, WindowQueue queue, Settings settings, BatchingMetrics metrics) {
        this.replica = replica;
        this.queue = queue;
        this.settings = settings;
        this.metrics = metrics;
    }

    WindowQueue queue() {
        return queue;
    }

    PtNDManager manager() {
        return replica.manager();
    }

    String deviceName() {
        return replica.device().toString();
    }

    boolean lost() {
        return lost != null;
    }

    /** Finishes what is queued, then stops. */
    void stop() {
        running = false;
    }

    @Override
    public void run() {
        // Both thread-local in libtorch: no autograd graph for inference, and the graph executor as configured
        // (IValueUtils.runMethod does not apply DJL's graph_optimizer setting).
        JniUtils.setGradMode(false);
        JniUtils.setGraphExecutorOptimize(settings.graphOptimizer());
        List<ClipJob> dropped = new ArrayList<>();
        while (running || !queue.isEmpty()) {
            List<Window> batch;
            try {
                batch = queue.take(settings.maxBatch(), settings.maxDelay(), POLL, dropped);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            settleDropped(dropped);
            if (batch.isEmpty()) {
                continue;
            }
            if (lost != null) {
                fail(batch, lost, "device_failed");
            } else {
                runBatch(batch);
            }
        }
        LOG.infof("Worker for %s stopped", deviceName());
    }

    private void settleDropped(List<ClipJob> dropped) {
        for (ClipJob job : dropped) {
            if (!job.finished()) {
                metrics.rejected("deadline");
                failJob(job, new DeadlineExceededException(
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
        // Response rows first, then gradient rows; each by mouse, then by clip: every mouse and every clip is a
        // contiguous range of the batch (readouts, gradients and blends work on slices), and so are most clips
        // in each half of a split.
        List<Window> ordered = new ArrayList<>(batch.size());
        for (boolean gradients : new boolean[] {false, true}) {
            Map<Integer, Map<ClipJob, List<Window>>> byMouse = new LinkedHashMap<>();
            for (Window window : batch) {
                if ((window.job().gradient != null) == gradients) {
                    byMouse.computeIfAbsent(window.job().mouse, m -> new LinkedHashMap<>())
                            .computeIfAbsent(window.job(), j -> new ArrayList<>()).add(window);
                }
            }
            byMouse.values().forEach(clips -> clips.values().forEach(ordered::addAll));
        }
        runSplitting(ordered);
        metrics.batch(batch.size(), System.nanoTime() - start);
    }

    /**
     * Runs {@code windows} as one forward batch; when the device runs out of memory on it, runs each half
     * on its own, recursively: only a window that does not fit even alone fails. Nothing reaches a blend
     * before the whole (sub-)batch succeeded, so a retried window is never counted twice.
     */
    private void runSplitting(List<Window> windows) {
        List<Window> live = windows.stream().filter(w -> !w.job().finished()).toList();
        if (live.isEmpty()) {
            return;
        }
        if (lost != null) { // an earlier part of this batch broke the device
            fail(live, lost, "device_failed");
            return;
        }
        RuntimeException forwardError;
        try (PtNDManager scratch = (PtNDManager) replica.manager().newSubManager()) {
            List<Segment> segments;
            Map<Segment, PtNDArray> sums;
            Map<Segment, GradientSums> gradients;
            try {
                segments = segments(live);
                sums = forward(live, segments, scratch);
                gradients = gradients(live, segments, scratch);
            } catch (RuntimeException e) {
                throw new ForwardFailed(e);
            }
            commit(segments, sums, gradients);
            return;
        } catch (ForwardFailed e) {
            forwardError = (RuntimeException) e.getCause();
        } catch (RuntimeException | Error e) {
            // In commit (blends may be half updated: never retried), or an Error (OutOfMemoryError of the heap
            // under load): the batch fails, the worker goes on.
            failed(live, e, DeviceErrors.classify(e));
            return;
        }
        // The attempt's tensors are freed (scratch closed) before the halves allocate theirs.
        DeviceErrors.Kind kind = DeviceErrors.classify(forwardError);
        if (kind == DeviceErrors.Kind.OUT_OF_MEMORY && live.size() > 1) {
            int half = live.size() / 2;
            LOG.warnf("Out of memory on %s with a batch of %d windows (%s): running it as %d + %d",
                    deviceName(), live.size(), DeviceErrors.summary(forwardError), half, live.size() - half);
            metrics.split();
            runSplitting(live.subList(0, half));
            runSplitting(live.subList(half, live.size()));
        } else {
            failed(live, forwardError, kind);
        }
    }

    /** Marks an exception of the forward pass (retried when out of memory) apart from one of the commit (never). */
    private static final class ForwardFailed extends RuntimeException {
        ForwardFailed(RuntimeException cause) {
            super(cause);
        }
    }

    /** The segments of {@code ordered} (contiguous runs of one clip) grouped by mouse. */
    private static List<Segment> segments(List<Window> ordered) {
        List<Segment> segments = new ArrayList<>();
        int start = 0;
        for (int i = 1; i <= ordered.size(); i++) {
            if (i == ordered.size() || ordered.get(i).job() != ordered.get(start).job()) {
                segments.add(new Segment(ordered.get(start).job(), start, ordered.subList(start, i)));
                start = i;
            }
        }
        return segments;
    }

    /**
     * The mice of {@code segments}: consecutive segments of the same mouse and kind (responses or gradients)
     * share one readout or input_gradient call.
     */
    private static List<MouseRows> mice(List<Segment> segments) {
        List<MouseRows> mice = new ArrayList<>();
        int first = 0;
        for (int i = 1; i <= segments.size(); i++) {
            if (i == segments.size() || segments.get(i).job().mouse != segments.get(first).job().mouse
                    || isGradient(segments.get(i)) != isGradient(segments.get(first))) {
                Segment head = segments.get(first);
                Segment last = segments.get(i - 1);
                mice.add(new MouseRows(head.job().mouse, head.start(), last.start() + last.windows().size() - head.start(),
                        segments.subList(first, i)));
                first = i;
            }
        }
        return mice;
    }

    private static boolean isGradient(Segment segment) {
        return segment.job().gradient != null;
    }

    /**
     * Every member on the response rows of the batch (they come first); returns, per response segment, the sum
     * over members of its windows' outputs placed at their frames: (neurons, span) over the frames the
     * segment's windows cover, in {@code scratch}.
     */
    private Map<Segment, PtNDArray> forward(List<Window> ordered, List<Segment> segments, PtNDManager scratch) {
        Map<Segment, PtNDArray> sums = new LinkedHashMap<>();
        List<Segment> responses = segments.stream().filter(s -> !isGradient(s)).toList();
        if (responses.isEmpty()) {
            return sums;
        }
        Segment lastResponse = responses.get(responses.size() - 1);
        int rows = lastResponse.start() + lastResponse.windows().size();
        PtNDArray inputs = gather(ordered.subList(0, rows), responses, scratch);
        List<MouseRows> mice = mice(responses);
        Map<Segment, PtNDArray> placements = new LinkedHashMap<>();
        for (Segment segment : responses) {
            placements.put(segment, placement(segment, scratch));
            sums.put(segment, (PtNDArray) scratch.zeros(new Shape(segment.job().neurons, span(segment))));
        }
        for (Member member : replica.members()) {
            long memberStart = System.nanoTime();
            // Members take and return float32 whatever their compute dtype: nothing is cast here.
            PtNDArray features = member.features(inputs, scratch);
            for (MouseRows mouse : mice) {
                // One readout call per mouse, on its rows of the shared core and cortex features.
                PtNDArray outputs = member.readout(rows(features, mouse.start(), mouse.count(), rows, scratch),
                        mouse.mouse(), scratch);
                for (Segment segment : mouse.segments()) {
                    place(rows(outputs, segment.start() - mouse.start(), segment.windows().size(), mouse.count(), scratch),
                            placements.get(segment), sums.get(segment));
                }
            }
            metrics.memberBatch(member.name(), System.nanoTime() - memberStart);
        }
        return sums;
    }

    /** A gradient segment's share of its clip's sums: dJ / dvideo over its span, (span, pixels), and J. */
    private record GradientSums(PtNDArray gradient, PtNDArray objective) {
    }

    /**
     * Every member's {@code input_gradient} on the gradient rows of the batch (after the response rows), one
     * call per mouse, with grad mode on for the call; returns each gradient segment's sums over members.
     * Each window's weights are its clip's objective weights at the frames of its slots, divided by
     * coverage x members (GradientBlend), so that the sums are exactly those of the ensemble mean.
     */
    private Map<Segment, GradientSums> gradients(List<Window> ordered, List<Segment> segments, PtNDManager scratch) {
        Map<Segment, GradientSums> sums = new LinkedHashMap<>();
        List<Segment> gradients = segments.stream().filter(DeviceWorker::isGradient).toList();
        if (gradients.isEmpty()) {
            return sums;
        }
        int offset = gradients.get(0).start();
        PtNDArray inputs = gather(ordered.subList(offset, ordered.size()), gradients, scratch);
        Map<Segment, PtNDArray> placements = new LinkedHashMap<>();
        Map<Segment, PtNDArray> weights = new LinkedHashMap<>();
        for (Segment segment : gradients) {
            GradientWork work = segment.job().gradient;
            PtNDArray placement = placement(segment, scratch);
            int first = firstFrame(segment);
            PtNDArray scaled = (PtNDArray) work.scaledWeights.get(new NDIndex(":, {}:{}", first, first + span(segment)));
            scaled.attach(scratch);
            placements.put(segment, placement);
            weights.put(segment, GradientBlend.windowWeights(scaled, placement, segment.windows().size(), scratch));
            sums.put(segment, new GradientSums(
                    (PtNDArray) scratch.zeros(new Shape(span(segment), (long) work.videoHeight * work.videoWidth)),
                    (PtNDArray) scratch.zeros(new Shape(1))));
        }
        JniUtils.setGradMode(true); // thread-local: only for these calls
        try {
            for (Member member : replica.members()) {
                long memberStart = System.nanoTime();
                for (MouseRows mouse : mice(gradients)) {
                    NDList rowWeights = new NDList();
                    mouse.segments().forEach(segment -> rowWeights.add(weights.get(segment)));
                    PtNDArray mouseWeights = rowWeights.size() == 1 ? (PtNDArray) rowWeights.get(0)
                            : (PtNDArray) NDArrays.concat(rowWeights);
                    mouseWeights.attach(scratch);
                    Member.InputGradient result = member.inputGradient(
                            rows(inputs, mouse.start() - offset, mouse.count(), ordered.size() - offset, scratch),
                            mouse.mouse(), mouseWeights, scratch);
                    for (Segment segment : mouse.segments()) {
                        int from = segment.start() - mouse.start();
                        int count = segment.windows().size();
                        GradientWork work = segment.job().gradient;
                        GradientSums sum = sums.get(segment);
                        GradientBlend.accumulate(sum.gradient(), rows(result.gradient(), from, count, mouse.count(), scratch),
                                placements.get(segment), work.top, work.left, work.videoHeight, work.videoWidth);
                        NDArray objective = rows(result.objective(), from, count, mouse.count(), scratch).sum().reshape(1);
                        sum.objective().addi(objective);
                        objective.close();
                    }
                }
                metrics.memberBatch(member.name(), System.nanoTime() - memberStart);
            }
        } finally {
            JniUtils.setGradMode(false);
        }
        return sums;
    }

    /**
     * Adds each segment's sums into its clip's blend (or gradient) and completes the clips whose windows are
     * all done.
     */
    private void commit(List<Segment> segments, Map<Segment, PtNDArray> sums, Map<Segment, GradientSums> gradients) {
        for (Segment segment : segments) {
            ClipJob job = segment.job();
            int first = firstFrame(segment);
            if (job.gradient == null) {
                NDArray slice = job.blend.get(new NDIndex(":, {}:{}", first, first + span(segment)));
                slice.addi(sums.get(segment));
                slice.close();
            } else {
                GradientSums sum = gradients.get(segment);
                NDArray slice = job.gradient.gradient.get(new NDIndex("{}:{}", first, first + span(segment)));
                slice.addi(sum.gradient());
                slice.close();
                job.gradient.objective.addi(sum.objective());
            }
            job.windowsDone += segment.windows().size();
            if (job.windowsDone == job.windows()) {
                if (job.gradient == null) {
                    complete(job);
                } else {
                    completeGradient(job);
                }
            }
        }
    }

    /** (windows, 5, 16, H, W): each window's frames, sliced from its clip's input on the device. */
    private PtNDArray gather(List<Window> ordered, List<Segment> segments, PtNDManager scratch) {
        for (Segment segment : segments) {
            segment.job().upload(replica.manager(), replica.members().size());
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

    /** The first frame of the segment's first window (its windows are consecutive targets of one clip). */
    private static int firstFrame(Segment segment) {
        return segment.job().plan.firstFrame(segment.windows().get(0).end());
    }

    /** Frames from the first frame of the segment's first window to the last frame of its last window. */
    private static int span(Segment segment) {
        ClipJob job = segment.job();
        int last = job.plan.firstFrame(segment.windows().get(segment.windows().size() - 1).end())
                + (job.plan.size() - 1) * job.plan.step();
        return last - firstFrame(segment) + 1;
    }

    /**
     * A 0/1 matrix (windows x 16, span) that places each output frame of the segment's windows at its
     * frame, counted from the segment's first frame: outputs (neurons, windows x 16) times this matrix is
     * the windows' sum per frame. Only the frames the segment covers, not the whole clip.
     */
    private static PtNDArray placement(Segment segment, PtNDManager scratch) {
        List<Integer> ends = segment.windows().stream().map(Window::end).toList();
        return GradientBlend.placement(ends, segment.job().plan, firstFrame(segment), span(segment), scratch);
    }

    /** sum += outputs placed at their frames; outputs: (windows, neurons, 16). */
    private static void place(PtNDArray outputs, PtNDArray placement, PtNDArray sum) {
        Shape shape = outputs.getShape();
        NDArray flat = outputs.transpose(1, 0, 2).reshape(shape.get(1), shape.get(0) * shape.get(2));
        NDArray placed = flat.matMul(placement);
        sum.addi(placed);
        flat.close();
        placed.close();
    }

    /**
     * Divides the blend by the window coverage and the member count and copies it back (here, on the device
     * thread, which owns the tensors), frees the clip, and completes the answer on the completion executor.
     */
    private void complete(ClipJob job) {
        float[] coverage = job.plan.coverage(job.frames);
        int members = replica.members().size();
        for (int t = 0; t < coverage.length; t++) {
            coverage[t] *= members;
        }
        float[] values;
        try (NDArray divisor = job.manager.create(coverage, new Shape(1, job.frames));
             NDArray mean = job.blend.div(divisor)) {
            values = mean.toFloatArray();
        }
        job.release();
        settings.completion().execute(() -> job.result.complete(values));
    }

    /**
     * A gradient clip's answer: dJ / dvideo as (height, width, frames) and J, copied to the host (requests)
     * or left on the device in a manager of its own (experiments, which optimise there); then frees the clip.
     */
    private void completeGradient(ClipJob job) {
        GradientWork work = job.gradient;
        float objective = work.objective.getFloat(0);
        work.objectiveValue = objective;
        if (work.onDevice) {
            PtNDManager answer = (PtNDManager) replica.manager().newSubManager();
            NDArray video;
            try (NDArray pixelsByFrame = work.gradient.transpose(1, 0); NDArray flat = pixelsByFrame.flatten()) {
                video = flat.reshape(work.videoHeight, work.videoWidth, job.frames); // flatten copied: contiguous
            }
            video.attach(answer);
            DeviceGradient gradient = new DeviceGradient(video, objective, answer);
            work.deviceAnswer = gradient;
            job.release();
            settings.completion().execute(() -> {
                if (!job.result.complete(new float[] {objective})) {
                    gradient.close(); // the requester gave up: nobody else will
                }
            });
            return;
        }
        float[] values;
        try (NDArray pixelsByFrame = work.gradient.transpose(1, 0); NDArray flat = pixelsByFrame.flatten()) {
            values = flat.toFloatArray(); // (pixels, frames): the video's (height, width, frames) C order
        }
        job.release();
        settings.completion().execute(() -> job.result.complete(values));
    }

    private void failJob(ClipJob job, Throwable error) {
        settings.completion().execute(() -> job.result.completeExceptionally(error));
    }

    /** The windows' clips fail with {@code error}; their remaining windows leave the queue at the next take. */
    private void fail(List<Window> windows, RuntimeException error, String reason) {
        for (ClipJob job : windows.stream().map(Window::job).distinct().toList()) {
            if (!job.finished()) {
                metrics.rejected(reason);
                job.result.completeExceptionally(error); // at once: later windows of the clip must see it finished
                job.release();
            }
        }
    }

    private void failed(List<Window> windows, Throwable e, DeviceErrors.Kind kind) {
        String incident = UUID.randomUUID().toString();
        int clips = (int) windows.stream().map(Window::job).distinct().count();
        if (kind == DeviceErrors.Kind.DEVICE_LOST) {
            String error = DeviceErrors.summary(e);
            LOG.errorf(e, "Device %s failed on a batch of %d windows from %d clips (incident %s): %s; it serves nothing "
                    + "more until the service restarts", deviceName(), windows.size(), clips, incident, error);
            lost = new DeviceFailedException(deviceName(), error, incident);
            fail(windows, lost, "device_failed");
            settings.onDeviceLost().accept(error);
            return;
        }
        LOG.errorf(e, "Batch of %d windows from %d clips failed on %s (incident %s)", windows.size(), clips,
                deviceName(), incident);
        fail(windows, new BatchFailedException(incident, e), "batch_failure");
    }
}
