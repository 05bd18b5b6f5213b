package dwiseneuro.serve.experiments.mei;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dwiseneuro.serve.batching.DeviceGradient;
import dwiseneuro.serve.batching.InferenceScheduler;
import dwiseneuro.serve.batching.Priority;
import dwiseneuro.serve.clip.Clip;
import dwiseneuro.serve.clip.InputStacker;
import dwiseneuro.serve.ensemble.Manifest;
import dwiseneuro.serve.experiments.ExperimentContext;
import dwiseneuro.serve.experiments.protocol.Behavior;
import dwiseneuro.serve.experiments.protocol.Trials;

/**
 * The model's objective for the optimiser: each start's video becomes a model input on the device (the
 * video centred on the canvas, behavior and pupil centre filling their channels), goes into the device
 * queue as a background gradient clip, and comes back as J and dJ / dvideo, still on the device.
 */
final class ModelObjective implements Objective, AutoCloseable {

    private final InferenceScheduler.GradientDevice device;
    private final Manifest.Mouse mouse;
    private final float[] weights;
    private final ExperimentContext context;
    private final Duration timeout;
    private final int windowsPerClip;
    private final int top;
    private final int left;
    private final int height;
    private final int width;
    private final NDManager state;
    /** (channels, frames, canvas rows, canvas columns): pad value in the video channel, the traces in theirs. */
    private final NDArray background;

    ModelObjective(InferenceScheduler.GradientDevice device, NDManager arrays, Manifest manifest, Manifest.Mouse mouse,
                   float[] weights, int frames, Behavior behavior, ExperimentContext context, Duration timeout) {
        this.device = device;
        this.mouse = mouse;
        this.weights = weights;
        this.context = context;
        this.timeout = timeout;
        this.windowsPerClip = manifest.frameStack().plan().windowCount(frames);
        Manifest.Input input = manifest.input();
        this.height = input.videoHeight();
        this.width = input.videoWidth();
        this.top = (input.height() - height) / 2;
        this.left = (input.width() - width) / 2;
        this.state = arrays.newSubManager();
        // The model input as the service stacks a clip's (the video's place is overwritten per start).
        Clip blank = new Clip(height, width, frames, new float[height * width * frames], behavior.behaviorTrace(frames),
                behavior.pupilCenterTrace(frames));
        float[] values = new InputStacker(input.height(), input.width(), input.padFillValue()).stack(blank);
        this.background = state.create(values, new Shape(InputStacker.CHANNELS, frames, input.height(), input.width()));
    }

    @Override
    public Evaluation evaluate(NDArray videos, NDManager into) throws InterruptedException {
        int starts = (int) videos.getShape().get(0);
        List<InferenceScheduler.DeviceSubmission> submissions = new ArrayList<>(starts);
        List<DeviceGradient> answers = new ArrayList<>(starts);
        try {
            for (int s = 0; s < starts; s++) {
                submissions.add(device.submit(input(videos, s), mouse, weights, timeout, Priority.BACKGROUND));
            }
            float[] values = new float[starts];
            NDList gradients = new NDList(starts);
            for (int s = 0; s < starts; s++) {
                DeviceGradient answer = Trials.await(submissions.get(s).answer(), context);
                answers.add(answer);
                values[s] = answer.objective();
                gradients.add(answer.gradient());
            }
            NDArray gradient = NDArrays.stack(gradients);
            gradient.attach(into);
            context.progressed((long) starts * windowsPerClip);
            return new Evaluation(values, gradient);
        } finally {
            // Those not taken (a failure or a cancellation came first): drop their windows, and free any answer
            // that still arrives (the worker frees those it could no longer hand over).
            for (InferenceScheduler.DeviceSubmission submission : submissions.subList(answers.size(), submissions.size())) {
                submission.cancel().run();
                submission.answer().thenAccept(DeviceGradient::close);
            }
            answers.forEach(DeviceGradient::close);
        }
    }

    /** Start {@code s}'s model input: the background with the video (frames, rows, columns) on the canvas. */
    private NDArray input(NDArray videos, int s) {
        NDArray input = background.duplicate();
        try (NDArray video = videos.get(new NDIndex("{}", s)); NDArray frames = video.transpose(2, 0, 1)) {
            input.set(new NDIndex("0, :, {}:{}, {}:{}", top, top + height, left, left + width), frames);
        }
        return input;
    }

    @Override
    public void close() {
        state.close();
    }
}
