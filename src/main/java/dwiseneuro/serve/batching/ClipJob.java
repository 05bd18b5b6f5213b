package dwiseneuro.serve.batching;

import java.util.concurrent.CompletableFuture;

import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import dwiseneuro.serve.clip.WindowPlan;

/**
 * One clip waiting for its windows to run: the stacked input, the window cursor the queue advances,
 * and (on the worker's device) the input tensor and the running blend of every member's outputs.
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

    /** Uploads the clip's input to the device once (the first time one of its windows runs). */
    void upload(PtNDManager deviceManager) {
        if (input != null) {
            return;
        }
        PtNDManager clip = (PtNDManager) deviceManager.newSubManager();
        try {
            input = (PtNDArray) clip.create(stacked, new Shape(channels, frames, height, width));
            blend = (PtNDArray) clip.zeros(new Shape(neurons, frames), DataType.FLOAT32);
        } catch (RuntimeException e) { // out of device memory: nothing half made, the batch may retry
            input = null;
            blend = null;
            clip.close();
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
        }
        stacked = null;
        Runnable action = onRelease;
        onRelease = null;
        if (action != null) {
            action.run();
        }
    }
}
