package dwiseneuro.serve.experiments.mei;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * What the optimisation climbs: one value per start and its gradient with respect to each start's video.
 * The model's objective runs the members' {@code input_gradient} through the device queues; tests use
 * objectives whose optimum is known in closed form.
 */
public interface Objective {

    /**
     * The objective of each of {@code videos} (starts, height, width, frames) in raw pixel values, and its
     * gradient with respect to them (same shape, attached to {@code into}, on the same device).
     */
    Evaluation evaluate(NDArray videos, NDManager into) throws InterruptedException;

    /** values: one per start; gradient: shaped like the videos. */
    record Evaluation(float[] values, NDArray gradient) {
    }
}
