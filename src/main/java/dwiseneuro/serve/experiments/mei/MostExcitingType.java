package dwiseneuro.serve.experiments.mei;

import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import jakarta.inject.Singleton;

import dwiseneuro.serve.ServeConfig;
import dwiseneuro.serve.batching.InferenceScheduler;
import dwiseneuro.serve.clip.FrameRange;
import dwiseneuro.serve.clip.WindowPlan;
import dwiseneuro.serve.ensemble.Manifest;
import dwiseneuro.serve.experiments.Experiment;
import dwiseneuro.serve.experiments.SpecException;
import dwiseneuro.serve.experiments.display.DisplayGeometry;
import dwiseneuro.serve.experiments.protocol.Behavior;
import dwiseneuro.serve.experiments.protocol.Luminance;
import dwiseneuro.serve.experiments.spec.ApertureSpec;
import dwiseneuro.serve.experiments.spec.Checks;
import dwiseneuro.serve.experiments.spec.SpecType;
import dwiseneuro.serve.experiments.stimulus.Aperture;
import dwiseneuro.serve.media.MediaException;
import dwiseneuro.serve.media.NpyArray;
import dwiseneuro.serve.media.NpyReader;

/** {@code most_exciting}: the most exciting (or inhibiting) image or video of a set of neurons. */
@Singleton
public class MostExcitingType extends SpecType<MostExcitingSpec> {

    public static final String NAME = "most_exciting";
    static final int MAX_STEPS = 5000;
    static final int MAX_STARTS = 16;
    static final int MAX_NATURAL = 64;
    /** Longest stimulus (10 s at 30 fps): every start's model input and gradients stay on the device. */
    static final int MAX_LENGTH = 300;

    private final ServeConfig config;
    private final InferenceScheduler scheduler;

    public MostExcitingType(ServeConfig config, InferenceScheduler scheduler) {
        super(NAME, MostExcitingSpec.class, config);
        this.config = config;
        this.scheduler = scheduler;
    }

    @Override
    protected Experiment build(MostExcitingSpec spec, Manifest manifest, Manifest.Mouse mouse) {
        List<String> lacking = manifest.members().stream().filter(m -> !m.hasInputGradient()).map(Manifest.MemberEntry::file).toList();
        if (!lacking.isEmpty()) {
            throw new SpecException("type", "most_exciting needs the members' input_gradient, which " + String.join(", ", lacking)
                    + " do not export (exported before gradients existed); re-export with `trainer/bin/trainer convert "
                    + "MODELS_DIR --out NEW_DIR`");
        }
        int[] neurons = neurons(spec.neurons(), mouse);
        double[] weights = weights(spec.weights(), neurons.length);
        WindowPlan plan = manifest.frameStack().plan();
        Manifest.Input input = manifest.input();
        int length = Checks.atLeast("length", spec.length(), 40, plan.minLength());
        int longest = Math.min(MAX_LENGTH, maxFrames);
        if (length > longest) {
            throw new SpecException("length", "must be at most " + longest + " frames, got " + length);
        }
        int[] target = frames(spec.frames(), plan.firstEnd(), length);
        int steps = Checks.atLeast("steps", spec.steps(), 100, 1);
        if (steps > MAX_STEPS) {
            throw new SpecException("steps", "must be at most " + MAX_STEPS + ", got " + steps);
        }
        int starts = Checks.atLeast("starts", spec.starts(), 2, 1);
        if (starts > MAX_STARTS) {
            throw new SpecException("starts", "must be at most " + MAX_STARTS + ", got " + starts);
        }
        MeiSettings.Kind kind = choice("kind", spec.kind(), "mei", MeiSettings.Kind.class);
        MeiSettings.Rule rule = choice("optimizer", spec.optimizer(), "adam", MeiSettings.Rule.class);
        double lr = Checks.positive("lr", spec.lr(), 1.5);
        Luminance luminance = Luminance.resolve(spec.meanLuminance(), mouse);
        double contrast = Checks.positive("contrast", spec.contrast(), 25);
        double sigma = spec.blur() == null || spec.blur().sigma() == null ? 2 : spec.blur().sigma();
        double sigmaEnd = spec.blur() == null || spec.blur().sigmaEnd() == null ? Math.min(0.5, sigma) : spec.blur().sigmaEnd();
        if (!(sigma >= 0 && sigma <= 20 && sigmaEnd >= 0 && sigmaEnd <= sigma)) {
            throw new SpecException("blur", "needs 0 <= sigma_end <= sigma <= 20 pixels, got sigma " + sigma + ", sigma_end " + sigmaEnd);
        }
        DisplayGeometry display = DisplayGeometry.of(manifest);
        Aperture aperture = null;
        float[] mask = null;
        if (spec.mask() != null) {
            ApertureSpec m = spec.mask();
            aperture = m.resolve("mask", display, Checks.positive("mask.radius_deg", m.radiusDeg(), 30));
            mask = mask(display, aperture);
        }
        Behavior behavior = Behavior.resolve(spec.behavior(), spec.pupilCenter(), mouse);
        List<MostExciting.Natural> natural = natural(spec.natural(), input, target[1]);
        long seed = spec.seed() == null ? 0 : spec.seed();
        MeiSettings settings = new MeiSettings(kind, input.videoHeight(), input.videoWidth(), length, starts, seed, steps,
                spec.maximize() == null || spec.maximize(), rule, lr, contrast, luminance.mean(), sigma, sigmaEnd, mask);
        return new MostExciting(scheduler, manifest, mouse, settings, neurons, weights, target, behavior, luminance,
                aperture, natural, config.experiments().clipTimeout());
    }

    private static int[] neurons(List<Integer> given, Manifest.Mouse mouse) {
        if (given == null || given.isEmpty()) {
            throw new SpecException("neurons", "must list at least one neuron row index (0 to " + (mouse.neurons() - 1) + ")");
        }
        Set<Integer> seen = new HashSet<>();
        int[] out = new int[given.size()];
        for (int i = 0; i < out.length; i++) {
            Integer n = given.get(i);
            if (n == null || n < 0 || n >= mouse.neurons()) {
                throw new SpecException("neurons[" + i + "]", "must be a neuron row index from 0 to " + (mouse.neurons() - 1)
                        + ", got " + n);
            }
            if (!seen.add(n)) {
                throw new SpecException("neurons[" + i + "]", "repeats neuron " + n);
            }
            out[i] = n;
        }
        return out;
    }

    private static double[] weights(List<Double> given, int neurons) {
        double[] out = new double[neurons];
        if (given == null) {
            java.util.Arrays.fill(out, 1.0 / neurons);
            return out;
        }
        if (given.size() != neurons) {
            throw new SpecException("weights", "must hold one weight per neuron (" + neurons + "), got " + given.size());
        }
        for (int i = 0; i < neurons; i++) {
            out[i] = Checks.finite("weights[" + i + "]", given.get(i), Double.NaN);
        }
        return out;
    }

    /** START:END of the target frames, 0-based, END exclusive, inside the stimulus clip. */
    static int[] frames(String range, int firstEnd, int length) {
        if (range == null || range.isBlank()) {
            return new int[] {firstEnd, length};
        }
        if (!FrameRange.wellFormed(range)) {
            throw new SpecException("frames", "must be START:END (0-based, END exclusive, e.g. 30:40 or 30:), got '" + range + "'");
        }
        long[] startEnd = FrameRange.bounds(range, length);
        long start = startEnd[0];
        long end = startEnd[1];
        if (start >= end || end > length) {
            throw new SpecException("frames", "'" + range + "' is not a non-empty range inside the stimulus's " + length
                    + " frames (length)");
        }
        return new int[] {(int) start, (int) end};
    }

    private static <E extends Enum<E>> E choice(String field, String given, String otherwise, Class<E> type) {
        String value = given == null ? otherwise : given;
        for (E option : type.getEnumConstants()) {
            if (option.name().toLowerCase(Locale.ROOT).equals(value)) {
                return option;
            }
        }
        throw new SpecException(field, "must be one of " + java.util.Arrays.stream(type.getEnumConstants())
                .map(e -> e.name().toLowerCase(Locale.ROOT)).toList() + ", got '" + value + "'");
    }

    /** 1 inside the aperture (great-circle distance from its centre within its radius), 0 outside. */
    static float[] mask(DisplayGeometry display, Aperture aperture) {
        float[] mask = new float[display.height() * display.width()];
        int inside = 0;
        for (int y = 0; y < display.height(); y++) {
            for (int x = 0; x < display.width(); x++) {
                if (display.angularDistance(x, y, aperture.azimuth(), aperture.elevation()) <= aperture.radius()) {
                    mask[y * display.width() + x] = 1f;
                    inside++;
                }
            }
        }
        if (inside == 0) {
            throw new SpecException("mask.radius_deg", "the mask holds no pixel of the frame; enlarge it or move its centre");
        }
        return mask;
    }

    private static List<MostExciting.Natural> natural(List<String> given, Manifest.Input input, int needed) {
        if (given == null) {
            return List.of();
        }
        if (given.size() > MAX_NATURAL) {
            throw new SpecException("natural", "at most " + MAX_NATURAL + " clips, got " + given.size());
        }
        java.util.ArrayList<MostExciting.Natural> out = new java.util.ArrayList<>();
        for (int i = 0; i < given.size(); i++) {
            String field = "natural[" + i + "]";
            NpyArray video;
            try {
                video = NpyReader.read(field, Base64.getDecoder().decode(given.get(i) == null ? "" : given.get(i).trim()));
            } catch (IllegalArgumentException | MediaException e) {
                throw new SpecException(field, "must be a base64 .npy video (36, 64, frames): " + e.getMessage());
            }
            if (video.ndim() != 3 || video.dim(0) != input.videoHeight() || video.dim(1) != input.videoWidth() || video.dim(2) < needed) {
                throw new SpecException(field, "must have shape (" + input.videoHeight() + ", " + input.videoWidth()
                        + ", frames) with at least " + needed + " frames (the target frames' end), got " + video.shapeText());
            }
            for (float v : video.data()) {
                if (!Float.isFinite(v)) {
                    throw new SpecException(field, "holds NaN or infinite values");
                }
            }
            out.add(new MostExciting.Natural(video.data(), video.dim(2)));
        }
        return out;
    }
}
