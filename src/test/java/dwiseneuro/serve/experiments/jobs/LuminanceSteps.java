package dwiseneuro.serve.experiments.jobs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import jakarta.enterprise.context.ApplicationScoped;

import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;

import com.fasterxml.jackson.databind.JsonNode;

import dwiseneuro.serve.api.Heatmap;
import dwiseneuro.serve.clip.Clip;
import dwiseneuro.serve.ensemble.Manifest;
import dwiseneuro.serve.experiments.Experiment;
import dwiseneuro.serve.experiments.ExperimentContext;
import dwiseneuro.serve.experiments.ExperimentResult;
import dwiseneuro.serve.experiments.ExperimentType;
import dwiseneuro.serve.experiments.SpecException;
import dwiseneuro.serve.experiments.StimulusDownloads;
import dwiseneuro.serve.media.NpyWriter;

/**
 * A small real experiment type for the jobs tests (the four real types come from their own package):
 * full-field luminance steps, from a gray screen to each level at frame {@code onset}, and each neuron's
 * mean response over the frames from the onset on, averaged over {@code repeats}.
 *
 * <pre>{"type": "luminance_steps", "levels": [0, 255], "frames": 40, "onset": 10, "repeats": 1, "gray": 127.5,
 *  "behavior": [0, 0], "pupil_center": [0, 0]}</pre>
 */
@ApplicationScoped
public class LuminanceSteps implements ExperimentType {

    public static final String NAME = "luminance_steps";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Experiment parse(JsonNode spec, Manifest manifest, Manifest.Mouse mouse) {
        JsonNode levels = spec.get("levels");
        if (levels == null || !levels.isArray() || levels.isEmpty() || levels.size() > 64) {
            throw new SpecException("levels", "required: a list of 1 to 64 luminance levels in 0..255");
        }
        float[] values = new float[levels.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) number(levels.get(i), "levels[" + i + "]", 0, 255);
        }
        int minFrames = manifest.frameStack().plan().minLength();
        int frames = (int) number(spec, "frames", 60, minFrames, 3600);
        int onset = (int) number(spec, "onset", Math.min(15, frames - 1), 0, frames - 1);
        int repeats = (int) number(spec, "repeats", 1, 1, 100_000);
        float gray = (float) number(spec, "gray", 127.5, 0, 255);
        float[] behavior = pair(spec, "behavior");
        float[] pupil = pair(spec, "pupil_center");
        for (String key : iterable(spec.fieldNames())) {
            if (!List.of("type", "levels", "frames", "onset", "repeats", "gray", "behavior", "pupil_center").contains(key)) {
                throw new SpecException(key, "unknown key");
            }
        }
        return new Steps(manifest, mouse, values, frames, onset, repeats, gray, behavior, pupil);
    }

    private static Iterable<String> iterable(java.util.Iterator<String> names) {
        List<String> list = new ArrayList<>();
        names.forEachRemaining(list::add);
        return list;
    }

    private static double number(JsonNode spec, String key, double fallback, double min, double max) {
        JsonNode node = spec.get(key);
        return node == null ? fallback : number(node, key, min, max);
    }

    private static double number(JsonNode node, String key, double min, double max) {
        if (!node.isNumber() || node.asDouble() < min || node.asDouble() > max) {
            throw new SpecException(key, "must be a number from " + min + " to " + max + ", got " + node);
        }
        return node.asDouble();
    }

    private static float[] pair(JsonNode spec, String key) {
        JsonNode node = spec.get(key);
        if (node == null) {
            return new float[2];
        }
        if (!node.isArray() || node.size() != 2 || !node.get(0).isNumber() || !node.get(1).isNumber()) {
            throw new SpecException(key, "must be two numbers");
        }
        return new float[] {(float) node.get(0).asDouble(), (float) node.get(1).asDouble()};
    }

    /** One luminance-steps experiment. */
    static final class Steps implements Experiment, StimulusDownloads {

        private final Manifest manifest;
        private final Manifest.Mouse mouse;
        private final float[] levels;
        private final int frames;
        private final int onset;
        private final int repeats;
        private final float gray;
        private final float[] behavior;
        private final float[] pupil;

        Steps(Manifest manifest, Manifest.Mouse mouse, float[] levels, int frames, int onset, int repeats, float gray,
              float[] behavior, float[] pupil) {
            this.manifest = manifest;
            this.mouse = mouse;
            this.levels = levels;
            this.frames = frames;
            this.onset = onset;
            this.repeats = repeats;
            this.gray = gray;
            this.behavior = behavior;
            this.pupil = pupil;
        }

        @Override
        public String type() {
            return NAME;
        }

        @Override
        public long totalWindows() {
            return (long) repeats * levels.length * manifest.frameStack().plan().windowCount(frames);
        }

        /** The video of level {@code k}: gray before the onset, the level from it on (height x width x frames). */
        float[] video(int k) {
            int height = manifest.input().videoHeight();
            int width = manifest.input().videoWidth();
            float[] video = new float[height * width * frames];
            for (int p = 0; p < height * width; p++) {
                for (int t = 0; t < frames; t++) {
                    video[p * frames + t] = t < onset ? gray : levels[k];
                }
            }
            return video;
        }

        Clip clip(int k) {
            float[] b = new float[2 * frames];
            float[] c = new float[2 * frames];
            for (int r = 0; r < 2; r++) {
                Arrays.fill(b, r * frames, (r + 1) * frames, behavior[r]);
                Arrays.fill(c, r * frames, (r + 1) * frames, pupil[r]);
            }
            return new Clip(manifest.input().videoHeight(), manifest.input().videoWidth(), frames, video(k), b, c);
        }

        @Override
        public ExperimentResult run(ExperimentContext context) throws InterruptedException {
            int neurons = mouse.neurons();
            float[] mean = new float[neurons * levels.length];
            long start = System.nanoTime();
            for (int r = 0; r < repeats; r++) {
                List<CompletableFuture<float[]>> pending = new ArrayList<>();
                for (int k = 0; k < levels.length; k++) {
                    context.checkCancelled();
                    pending.add(context.responses(clip(k)));
                }
                for (int k = 0; k < levels.length; k++) {
                    float[] responses;
                    try {
                        responses = pending.get(k).get();
                    } catch (ExecutionException e) {
                        throw e.getCause() instanceof RuntimeException runtime ? runtime : new IllegalStateException(e.getCause());
                    }
                    for (int n = 0; n < neurons; n++) {
                        double sum = 0;
                        for (int t = onset; t < frames; t++) {
                            sum += responses[n * frames + t];
                        }
                        mean[n * levels.length + k] += (float) (sum / (frames - onset) / repeats);
                    }
                }
                if ((r + 1) % 10 == 0 || r + 1 == repeats) {
                    double seconds = (System.nanoTime() - start) / 1e9;
                    context.log(String.format(java.util.Locale.ROOT, "repeat %d of %d, %.1f clips/s", r + 1, repeats,
                            (r + 1) * levels.length / seconds));
                }
            }
            float[][] rows = new float[neurons][];
            for (int n = 0; n < neurons; n++) {
                rows[n] = Arrays.copyOfRange(mean, n * levels.length, (n + 1) * levels.length);
            }
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("levels", levels);
            json.put("mean_response", rows);
            json.put("response_measure", "mean over frames " + onset + ".." + (frames - 1) + " (from the step's onset), "
                    + "averaged over " + repeats + " repeat(s)");
            json.put("behavior", "constant " + Arrays.toString(behavior) + ", pupil center " + Arrays.toString(pupil));
            byte[] plot = Heatmap.png(mean, neurons, levels.length, 0, manifest.input().fps(),
                    mouse.id() + ": mean response by luminance level", "response");
            return new ExperimentResult(json, Map.of("mean_response", new ExperimentResult.Array(new int[] {neurons, levels.length}, mean)),
                    Map.of("mean_response.png", plot));
        }

        @Override
        public List<String> stimulusNames() {
            List<String> names = new ArrayList<>();
            for (int k = 0; k < levels.length; k++) {
                names.add(String.format(java.util.Locale.ROOT, "level_%03d", k));
            }
            return names;
        }

        private int index(String name) {
            return stimulusNames().indexOf(name);
        }

        @Override
        public byte[] npy(String name) {
            return NpyWriter.float32(video(index(name)), manifest.input().videoHeight(), manifest.input().videoWidth(), frames);
        }

        @Override
        public byte[] mp4(String name) {
            int height = manifest.input().videoHeight();
            int width = manifest.input().videoWidth();
            float[] video = video(index(name));
            try {
                Path file = Files.createTempFile("stimulus-", ".mp4");
                try {
                    try (FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(file.toFile(), width, height)) {
                        recorder.setFormat("mp4");
                        recorder.setVideoCodec(avcodec.AV_CODEC_ID_MPEG4);
                        recorder.setVideoQuality(1);
                        recorder.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
                        recorder.setFrameRate(manifest.input().fps());
                        recorder.start();
                        ByteBuffer pixels = ByteBuffer.allocateDirect(height * width);
                        for (int t = 0; t < frames; t++) {
                            pixels.clear();
                            for (int p = 0; p < height * width; p++) {
                                pixels.put((byte) Math.round(video[p * frames + t]));
                            }
                            pixels.flip();
                            recorder.recordImage(width, height, Frame.DEPTH_UBYTE, 1, width, avutil.AV_PIX_FMT_GRAY8, pixels);
                        }
                        recorder.stop();
                    }
                    return Files.readAllBytes(file);
                } finally {
                    Files.deleteIfExists(file);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
