package dwiseneuro.serve.experiments.mei;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import ai.djl.ndarray.NDManager;
import dwiseneuro.serve.batching.InferenceScheduler;
import dwiseneuro.serve.clip.Clip;
import dwiseneuro.serve.ensemble.Manifest;
import dwiseneuro.serve.experiments.Experiment;
import dwiseneuro.serve.experiments.ExperimentContext;
import dwiseneuro.serve.experiments.ExperimentResult;
import dwiseneuro.serve.experiments.ResultBuilder;
import dwiseneuro.serve.experiments.protocol.Behavior;
import dwiseneuro.serve.experiments.protocol.Luminance;
import dwiseneuro.serve.experiments.protocol.Trials;
import dwiseneuro.serve.experiments.stimulus.Aperture;
import dwiseneuro.serve.experiments.stimulus.StimulusFiles;
import dwiseneuro.serve.experiments.stimulus.StimulusVideo;

/**
 * A most exciting (or inhibiting) input search: the optimisation on one device (MeiOptimization with the
 * model's objective), then the responses of every neuron to the best stimulus and to the natural clips
 * given, to say how much the optimum beats them. Objective: J = sum over the chosen neurons of weight x
 * their mean ensemble response over the target frames.
 */
final class MostExciting implements Experiment {

    /** A natural clip to compare with: its video (height, width, frames) and frame count. */
    record Natural(float[] video, int frames) {
    }

    private final InferenceScheduler scheduler;
    private final Manifest manifest;
    private final Manifest.Mouse mouse;
    private final MeiSettings settings;
    private final int[] neurons;
    private final double[] weights;
    private final int[] target;
    private final Behavior behavior;
    private final Luminance luminance;
    private final Aperture aperture;
    private final List<Natural> natural;
    private final Duration timeout;

    MostExciting(InferenceScheduler scheduler, Manifest manifest, Manifest.Mouse mouse, MeiSettings settings, int[] neurons,
                 double[] weights, int[] target, Behavior behavior, Luminance luminance, Aperture aperture,
                 List<Natural> natural, Duration timeout) {
        this.scheduler = scheduler;
        this.manifest = manifest;
        this.mouse = mouse;
        this.settings = settings;
        this.neurons = neurons;
        this.weights = weights;
        this.target = target;
        this.behavior = behavior;
        this.luminance = luminance;
        this.aperture = aperture;
        this.natural = natural;
        this.timeout = timeout;
    }

    @Override
    public String type() {
        return MostExcitingType.NAME;
    }

    @Override
    public long totalWindows() {
        var plan = manifest.frameStack().plan();
        long windows = (long) settings.steps() * settings.starts() * plan.windowCount(settings.frames())
                + plan.windowCount(settings.frames());
        for (Natural clip : natural) {
            windows += plan.windowCount(clip.frames());
        }
        return windows;
    }

    /** w[n] / frames at (n, t) for the chosen neurons and target frames: J is their weighted mean response. */
    private float[] objectiveWeights(int frames) {
        float[] out = new float[mouse.neurons() * frames];
        int span = target[1] - target[0];
        for (int i = 0; i < neurons.length; i++) {
            for (int t = target[0]; t < target[1]; t++) {
                out[neurons[i] * frames + t] = (float) (weights[i] / span);
            }
        }
        return out;
    }

    /** J of responses (neurons x frames), and each chosen neuron's mean response over the target frames. */
    private double objective(float[] responses, int frames, double[] perNeuron) {
        double sum = 0;
        for (int i = 0; i < neurons.length; i++) {
            double mean = 0;
            for (int t = target[0]; t < target[1]; t++) {
                mean += responses[neurons[i] * frames + t];
            }
            mean /= target[1] - target[0];
            perNeuron[i] = mean;
            sum += weights[i] * mean;
        }
        return sum;
    }

    @Override
    public ExperimentResult run(ExperimentContext context) throws InterruptedException {
        int frames = settings.frames();
        InferenceScheduler.GradientDevice device = scheduler.gradientDevice();
        context.log(String.format(Locale.ROOT, "optimising %s %s of %d neuron(s): %d steps x %d start(s), %s lr %.3g, "
                        + "RMS contrast budget %.3g around %.4g", settings.maximize() ? "most exciting" : "most inhibiting",
                settings.kind().name(), neurons.length, settings.steps(), settings.starts(),
                settings.rule().name().toLowerCase(Locale.ROOT), settings.lr(), settings.contrast(), settings.meanLuminance()));
        long start = System.nanoTime();
        int every = Math.max(1, settings.steps() / 10);
        MeiOptimization.Run run;
        try (NDManager arrays = device.newManager();
             ModelObjective objective = new ModelObjective(device, arrays, manifest, mouse, objectiveWeights(frames), frames,
                     behavior, context, timeout)) {
            run = MeiOptimization.run(objective, settings, arrays, (step, values) -> {
                context.checkCancelled();
                if (step % every == 0 || step == settings.steps() - 1) {
                    context.log(String.format(Locale.ROOT, "step %d: objective %s (%.2f steps/s)", step,
                            java.util.Arrays.toString(values), (step + 1) / ((System.nanoTime() - start) / 1e9)));
                }
            });
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        float[] best = run.bestVideo();

        float[] responses = responses(context, best, frames);
        double[] chosen = new double[neurons.length];
        double check = objective(responses, frames, chosen);

        ResultBuilder result = new ResultBuilder(header());
        result.put("best_start", run.bestStart());
        result.put("best_objective", run.bestValues()[run.bestStart()]);
        result.put("objective_check", check);
        result.vector("objective_per_start", toDouble(run.bestValues()));
        result.tensor("objective_trace", flatten(run.trace()), run.trace().length, settings.starts());
        result.vector("chosen_responses", chosen);
        result.tensor("responses", responses, mouse.neurons(), frames);
        result.put("rms_contrast", rmsContrast(best));
        result.put("optimisation_seconds", seconds);
        result.put("steps_per_second", settings.steps() / seconds);
        comparison(context, result, run.bestValues()[run.bestStart()], chosen);

        result.array("video", best, settings.height(), settings.width(), frames);
        result.array("start_videos", run.videos(), settings.starts(), settings.height(), settings.width(), frames);
        String what = (settings.maximize() ? "most exciting " : "most inhibiting ") + settings.kind().name();
        result.plot("objective.png", MeiPictures.objectivePlot(run.trace(), run.bestStart(),
                what + " of neuron(s) " + java.util.Arrays.toString(neurons) + ", mouse " + mouse.id()));
        result.plot("stimulus.png", MeiPictures.frames(best, settings.height(), settings.width(), frames,
                settings.kind() == MeiSettings.Kind.MEI ? 1 : 8));
        StimulusVideo video = new StimulusVideo(settings.height(), settings.width(), frames, best);
        result.file("best.npy", StimulusFiles.npy(video));
        result.file("best.mp4", StimulusFiles.mp4(video, manifest.input().fps()));
        if (settings.kind() == MeiSettings.Kind.MEI) {
            result.file("mei.png", MeiPictures.frame(best, settings.height(), settings.width(), frames, 0));
        } else {
            for (int t = 0; t < frames; t++) {
                result.file(String.format(Locale.ROOT, "frame_%03d.png", t),
                        MeiPictures.frame(best, settings.height(), settings.width(), frames, t));
            }
        }
        context.log(String.format(Locale.ROOT, "done: objective %.5g (start %d; %.5g from the responses to the best "
                + "stimulus), %.2f steps/s", run.bestValues()[run.bestStart()], run.bestStart(), check, settings.steps() / seconds));
        return result.build();
    }

    private Map<String, Object> header() {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("type", type());
        header.put("mouse", mouse.id());
        header.put("neurons", neurons);
        header.put("weights", weights);
        header.put("maximize", settings.maximize());
        header.put("kind", settings.kind().name().toLowerCase(Locale.ROOT));
        header.put("length", settings.frames());
        header.put("target_frames", target);
        header.put("objective", "sum over the neurons of weight x their mean ensemble response over target_frames "
                + "[start, end)");
        Map<String, Object> optimiser = new LinkedHashMap<>();
        optimiser.put("optimizer", settings.rule().name().toLowerCase(Locale.ROOT));
        optimiser.put("lr", settings.lr());
        optimiser.put("steps", settings.steps());
        optimiser.put("starts", settings.starts());
        optimiser.put("seed", settings.seed());
        optimiser.put("contrast", settings.contrast());
        optimiser.put("l2_budget", settings.contrast() * Math.sqrt(settings.parameterSize()));
        optimiser.put("blur", Map.of("sigma", settings.blurSigma(), "sigma_end", settings.blurSigmaEnd()));
        if (aperture != null) {
            optimiser.put("mask", Map.of("azimuth", aperture.azimuth(), "elevation", aperture.elevation(),
                    "radius_deg", aperture.radius()));
        }
        header.put("optimisation", optimiser);
        header.putAll(luminance.describe());
        header.putAll(behavior.describe());
        return header;
    }

    /** The responses of every neuron to a video (height, width, frames), at background priority. */
    private float[] responses(ExperimentContext context, float[] video, int frames) throws InterruptedException {
        Clip clip = new Clip(settings.height(), settings.width(), frames, video, behavior.behaviorTrace(frames),
                behavior.pupilCenterTrace(frames));
        return Trials.await(context.responses(clip), context);
    }

    /** The objective on each natural clip, the best of them, and how much the optimum beats it. */
    private void comparison(ExperimentContext context, ResultBuilder result, double optimum, double[] chosen)
            throws InterruptedException {
        if (natural.isEmpty()) {
            return;
        }
        double sign = settings.maximize() ? 1 : -1;
        double[] values = new double[natural.size()];
        double[] bestPerNeuron = new double[neurons.length];
        java.util.Arrays.fill(bestPerNeuron, Double.NaN);
        int bestClip = 0;
        for (int c = 0; c < natural.size(); c++) {
            Natural clip = natural.get(c);
            double[] perNeuron = new double[neurons.length];
            values[c] = objective(responses(context, clip.video(), clip.frames()), clip.frames(), perNeuron);
            if (sign * values[c] > sign * values[bestClip]) {
                bestClip = c;
            }
            for (int i = 0; i < neurons.length; i++) {
                if (Double.isNaN(bestPerNeuron[i]) || sign * perNeuron[i] > sign * bestPerNeuron[i]) {
                    bestPerNeuron[i] = perNeuron[i];
                }
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("objective", values);
        out.put("best_clip", bestClip);
        out.put("best_objective", values[bestClip]);
        out.put("optimum_minus_best", optimum - values[bestClip]);
        out.put("optimum_over_best", values[bestClip] == 0 ? null : optimum / values[bestClip]);
        out.put("best_response_per_neuron", bestPerNeuron);
        out.put("optimum_response_per_neuron", chosen);
        result.put("natural", out);
        context.log(String.format(Locale.ROOT, "natural clips: best objective %.5g (clip %d); the optimum %.5g",
                values[bestClip], bestClip, optimum));
    }

    private double rmsContrast(float[] video) {
        double sum = 0;
        for (float v : video) {
            sum += (v - settings.meanLuminance()) * (v - settings.meanLuminance());
        }
        return Math.sqrt(sum / video.length);
    }

    private static double[] toDouble(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    private static float[] flatten(float[][] rows) {
        float[] out = new float[rows.length * rows[0].length];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, out, r * rows[0].length, rows[0].length);
        }
        return out;
    }
}
