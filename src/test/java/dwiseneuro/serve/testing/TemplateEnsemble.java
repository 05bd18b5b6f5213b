package dwiseneuro.serve.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDManager;
import dwiseneuro.serve.ensemble.Manifest;
import dwiseneuro.serve.ensemble.ManifestReader;
import dwiseneuro.serve.ensemble.Member;
import dwiseneuro.serve.media.NpyArray;
import dwiseneuro.serve.media.NpyReader;

/**
 * A one-member ensemble made at test time by src/test/python/make_template_member.py (with the trainer's
 * Python, TRAINER_PYTHON, default /usr/bin/python3): neuron n answers every frame with
 * softplus(gain[n] * <template[n], frame - mean> / scale + bias[n]), so its most exciting input under an
 * L2 budget is known in closed form. {@link #templates()} are the (neurons, 36, 64) templates, unit norm.
 */
public record TemplateEnsemble(Path folder, int neurons, float[] templates, double meanLuminance, double scale,
                               double[] gain, double[] bias) {

    public static final int HEIGHT = 36;
    public static final int WIDTH = 64;
    public static final String MOUSE = "template-mouse";

    /** Makes the ensemble in a new temporary folder; {@code withGradient} false leaves out input_gradient. */
    public static TemplateEnsemble make(int neurons, boolean withGradient) {
        try {
            Path folder = Files.createTempDirectory(withGradient ? "template-ensemble-" : "template-no-gradient-");
            folder.toFile().deleteOnExit();
            String python = System.getenv().getOrDefault("TRAINER_PYTHON", "/usr/bin/python3");
            List<String> command = new ArrayList<>(List.of(python,
                    Path.of("src/test/python/make_template_member.py").toAbsolutePath().toString(),
                    folder.toString(), "--neurons", Integer.toString(neurons)));
            if (!withGradient) {
                command.add("--no-gradient");
            }
            ChildProcess.succeed(new ProcessBuilder(command), 120);
            NpyArray templates = NpyReader.read("templates.npy", Files.readAllBytes(folder.resolve("templates.npy")));
            JsonNode template = new ObjectMapper().readTree(folder.resolve("manifest.json").toFile()).get("template");
            return new TemplateEnsemble(folder, neurons, templates.data(), template.get("mean_luminance").asDouble(),
                    template.get("scale").asDouble(), numbers(template.get("gain")), numbers(template.get("bias")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The member loaded through DJL on the CPU (one intra-op thread), with the base manager it lives in. */
    public record Loaded(PtNDManager root, Member member) implements AutoCloseable {
        @Override
        public void close() {
            member.close();
            root.close();
        }
    }

    public Loaded loadOnCpu() {
        Manifest manifest = ManifestReader.read(folder, new ObjectMapper());
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("ai.djl.pytorch.num_threads", System.getProperty("ai.djl.pytorch.num_threads", "1"));
        PtNDManager root = (PtNDManager) NDManager.newBaseManager(Device.cpu(), Engine.getEngine("PyTorch").getEngineName());
        return new Loaded(root, Member.load(folder, manifest.members().get(0), Device.cpu(), root));
    }

    private static double[] numbers(JsonNode array) {
        double[] values = new double[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).asDouble();
        }
        return values;
    }

    /** Neuron {@code n}'s template: 36 x 64 values, row-major, unit L2 norm. */
    public float[] template(int n) {
        float[] out = new float[HEIGHT * WIDTH];
        System.arraycopy(templates, n * out.length, out, 0, out.length);
        return out;
    }

    /** The closed-form response of neuron {@code n} to one 36 x 64 frame (row-major, raw pixel values). */
    public double response(int n, float[] frame) {
        return softplus(gain[n] * project(n, frame) + bias[n]);
    }

    /** d response / d frame of neuron {@code n}: sigmoid(drive) * gain / scale * template. */
    public double[] responseGradient(int n, float[] frame) {
        double slope = sigmoid(gain[n] * project(n, frame) + bias[n]) * gain[n] / scale;
        double[] out = new double[HEIGHT * WIDTH];
        for (int i = 0; i < out.length; i++) {
            out[i] = slope * templates[n * out.length + i];
        }
        return out;
    }

    private double project(int n, float[] frame) {
        double sum = 0;
        for (int i = 0; i < HEIGHT * WIDTH; i++) {
            sum += templates[n * HEIGHT * WIDTH + i] * (frame[i] - meanLuminance);
        }
        return sum / scale;
    }

    private static double softplus(double x) {
        return x > 20 ? x : Math.log1p(Math.exp(x));
    }

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }
}
