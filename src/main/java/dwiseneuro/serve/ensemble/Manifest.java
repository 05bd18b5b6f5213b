package dwiseneuro.serve.ensemble;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

import ai.djl.ndarray.types.DataType;
import dwiseneuro.serve.clip.WindowPlan;

/** The manifest.json of an ensemble folder (format documented in models/README.md). */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Manifest(
        String format,
        int version,
        String name,
        String architecture,
        Input input,
        @JsonProperty("frame_stack") FrameStack frameStack,
        List<Mouse> mice,
        List<MemberEntry> members,
        Display display) {

    public static final String FORMAT = "dwiseneuro-ensemble";
    public static final int VERSION = 1;

    /** This manifest with other mouse entries (ManifestReader's, with their side files read). */
    public Manifest withMice(List<Mouse> newMice) {
        return new Manifest(format, version, name, architecture, input, frameStack, newMice, members, display);
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Input(int channels, int height, int width,
                        @JsonProperty("video_height") int videoHeight,
                        @JsonProperty("video_width") int videoWidth,
                        @JsonProperty("pad_fill_value") float padFillValue,
                        int fps) {
    }

    /** The display block if the manifest has one, else the Sensorium 2023 rig. */
    public Display displayOrDefault() {
        return display == null ? Display.SENSORIUM_2023 : display;
    }

    /**
     * How the video frame maps to visual angle (optional top-level {@code display}): the whole screen is
     * shown as the video frame, the eye on the perpendicular through the screen's centre.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Display(@JsonProperty("screen_width_cm") double screenWidthCm,
                          @JsonProperty("screen_height_cm") double screenHeightCm,
                          @JsonProperty("distance_cm") double distanceCm) {

        /** The Sensorium 2023 rig: a 56.5 x 31.8 cm screen 15 cm from the eye. */
        public static final Display SENSORIUM_2023 = new Display(56.5, 31.8, 15.0);
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record FrameStack(int size, int step, String position) {
        public WindowPlan plan() {
            return WindowPlan.of(size, step, position == null ? "last" : position);
        }
    }

    /**
     * A mouse (readout). The statistics are optional (the trainer writes them from the dataset):
     * {@code behavior_mean} and {@code pupil_center_mean} (2 values each) stand in for traces a request
     * omits; {@code response_std} (one per neuron) is the divisor of the competition's normalisation, and
     * {@code response_std_file} names a float32 .npy (neurons, frames) in the folder with the per-frame std
     * when the dataset has one (then that is the divisor, as the original's ResponseNormalizer uses it);
     * {@code video_mean} is the training videos' mean luminance (0..255). {@code responseStdFrames} is that
     * file's content, read by {@link ManifestReader}.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Mouse(String id, int index, int neurons,
                        @JsonProperty("unit_ids") List<Long> unitIds,
                        @JsonProperty("behavior_mean") List<Double> behaviorMean,
                        @JsonProperty("pupil_center_mean") List<Double> pupilCenterMean,
                        @JsonProperty("response_std") List<Double> responseStd,
                        @JsonProperty("response_std_file") String responseStdFile,
                        @JsonProperty("video_mean") Double videoMean,
                        @JsonIgnore PerFrameStd responseStdFrames) {

        public Mouse(String id, int index, int neurons, List<Long> unitIds) {
            this(id, index, neurons, unitIds, null, null, null, null, null, null);
        }

        /** This mouse with the per-frame response std read from its {@code response_std_file}. */
        public Mouse withResponseStdFrames(PerFrameStd std) {
            return new Mouse(id, index, neurons, unitIds, behaviorMean, pupilCenterMean, responseStd, responseStdFile,
                    videoMean, std);
        }
    }

    /** A per-frame response std, neurons x frames in C order (NaN where the dataset had no value). */
    public record PerFrameStd(int neurons, int frames, float[] values) {
    }

    /**
     * A member. {@code dtype} is its compute type inside TorchScript; {@code io_dtype} the type its methods
     * take and return ("float32" on every export since io_dtype exists; absent: a legacy member that takes
     * its compute type); {@code form} "plain" or "inference" (absent: plain); {@code methods} the exported
     * methods (absent: features and readout).
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record MemberEntry(String file, String stage, int fold, String source, Double score,
                              Long parameters, String sha256, Long bytes,
                              @JsonProperty("nn_module") Map<String, Object> nnModule,
                              String dtype,
                              @JsonProperty("io_dtype") String ioDtype,
                              String form,
                              List<String> methods) {

        public static final List<String> DEFAULT_METHODS = List.of("features", "readout");

        /** The exported methods, {@link #DEFAULT_METHODS} for members exported before the manifest listed them. */
        public List<String> exportedMethods() {
            return methods == null ? DEFAULT_METHODS : methods;
        }

        public static final String INPUT_GRADIENT = "input_gradient";

        /** Whether the member exports {@code input_gradient} (newer exports; older ones serve responses only). */
        public boolean hasInputGradient() {
            return exportedMethods().contains(INPUT_GRADIENT);
        }

        /** The member's weights and compute type: float32 (default, exact), float16 or bfloat16 (GPU). */
        public DataType dataType() {
            return switch (dtype == null ? "float32" : dtype) {
                case "float32" -> DataType.FLOAT32;
                case "float16" -> DataType.FLOAT16;
                case "bfloat16" -> DataType.BFLOAT16;
                default -> throw new EnsembleException(file + ": unknown dtype '" + dtype + "' in the manifest");
            };
        }
    }
}
