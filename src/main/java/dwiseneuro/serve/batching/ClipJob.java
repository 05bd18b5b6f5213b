package dwiseneuro.serve.batching;

import java.util.concurrent.CompletableFuture;

import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import dwiseneuro.serve.clip.WindowPlan;

/**
 * One clip waiting for its windows to run: the stacked input, the window cursor the queue advances,
 * and (on the worker's device) the input tensor and the running blend of every member's outputs. A
 * gradient job ({@link #gradient} set) runs {@code input_gradient} instead and sums dJ / dvideo; its
 * input may already be on the device (an experiment's stimulus), owned by the job from then on.
 */
public final class ClipJob {

    final int mouse;
    final int neurons;
    final int frames;
    final int channels;
    final int height;
    final int width;
    final WindowPlan plan;
    final long enqueuedNanos;
    final long deadlineNanos;
    final Priority priority;
    /** Null for a responses clip. */
    final GradientWork gradient;
    final CompletableFuture<float[]> result = new CompletableFuture<>();

    /** Next window target to hand out; guarded by the queue's lock. */
    int nextEnd;
    /** Windows run by every member so far; touched by the worker thread only. */
    int windowsDone;
    private float[] stacked;
    private volatile Runnable onRelease;

    // Device state, created and closed by the worker thread only.
    PtNDManager manager;
    PtNDArray input;
    PtNDArray blend;

    ClipJob(int mouse, int neurons, float[] stacked, int channels, int frames, int height, int width,
            WindowPlan plan, long deadlineNanos) {
        this(mouse, neurons, stacked, channels, frames, height, width, plan, deadlineNanos, Priority.INTERACTIVE);
    }

    ClipJob(int mouse, int neurons, float[] stacked, int channels, int frames, int height, int width,
            WindowPlan plan, long deadlineNanos, Priority priority) {
        this(mouse, neurons, stacked, channels, frames, height, width, plan, deadlineNanos, priority, null);
    }

    ClipJob(int mouse, int neurons, float[] stacked, int channels, int frames, int height, int width,
            WindowPlan plan, long deadlineNanos, Priority priority, GradientWork gradient) {
        this.gradient = gradient;
        this.mouse = mouse;
        this.neurons = neurons;
        this.stacked = stacked;
        this.channels = channels;
        this.frames = frames;
        this.height = height;
        this.width = width;
        this.plan = plan;
        this.nextEnd = plan.firstEnd();
        this.enqueuedNanos = System.nanoTime();
        this.deadlineNanos = deadlineNanos;
        this.priority = priority;
    }

    int windows() {
        return plan.windowCount(frames);
    }

    int remainingToHandOut() {
        return plan.lastEnd(frames) - nextEnd + 1;
    }

    boolean finished() {
        return result.isDone();
    }

    boolean expired(long now) {
        return now - deadlineNanos > 0;
    }

    /**
     * A gradient job whose input (channels, frames, height, width) is already on the device: the job owns
     * {@code input} from here on (it moves into the job's own manager, a sub-manager of {@code device}).
     */
    static ClipJob onDevice(int mouse, int neurons, PtNDArray input, PtNDManager device, WindowPlan plan,
                            long deadlineNanos, Priority priority, GradientWork gradient) {
        Shape shape = input.getShape();
        ClipJob job = new ClipJob(mouse, neurons, null, (int) shape.get(0), (int) shape.get(1), (int) shape.get(2),
                (int) shape.get(3), plan, deadlineNanos, priority, gradient);
        PtNDManager clip = (PtNDManager) device.newSubManager();
        input.attach(clip);
        job.manager = clip;
        job.input = input;
        return job;
    }

    /**
     * Uploads the clip's input to the device once (the first time one of its windows runs) and creates the
     * blend, or the gradient's sums for a gradient job over {@code members} members.
     */
    void upload(PtNDManager deviceManager, int members) {
        if (blend != null || (gradient != null && gradient.gradient != null)) {
            return;
        }
        PtNDManager clip = manager != null ? manager : (PtNDManager) deviceManager.newSubManager();
        try {
            if (input == null) {
                input = (PtNDArray) clip.create(stacked, new Shape(channels, frames, height, width));
            }
            if (gradient == null) {
                blend = (PtNDArray) clip.zeros(new Shape(neurons, frames), DataType.FLOAT32);
            } else {
                gradient.prepare(clip, neurons, frames, plan, members);
            }
        } catch (RuntimeException e) { // out of device memory: nothing half made, the batch may retry
            blend = null;
            if (gradient != null) {
                gradient.forget();
            }
            if (manager == null) {
                input = null;
                clip.close();
            }
            throw e;
        }
        manager = clip;
        stacked = null; // the device copy is the only one needed now
    }

    /** Called once, by the first {@link #release()}: returns the clip's bytes to the queue's memory budget. */
    void onRelease(Runnable action) {
        this.onRelease = action;
    }

    /** Frees the device memory of this clip; safe to call more than once. */
    void release() {
        if (manager != null) {
            manager.close();
            manager = null;
            input = null;
            blend = null;
            if (gradient != null) {
                gradient.forget();
            }
        }
        stacked = null;
        Runnable action = onRelease;
        onRelease = null;
        if (action != null) {
            action.run();
        }
    }
}
