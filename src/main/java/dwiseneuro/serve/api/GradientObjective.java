package dwiseneuro.serve.api;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import dwiseneuro.serve.ensemble.Manifest;

/**
 * The objective of POST /v1/mice/{id}/gradients: J = sum over the chosen neurons n and frames t of
 * w[n, t] x r[n, t], r the ensemble-mean response the /responses endpoint answers. {@code weights} is
 * one number per chosen neuron, or one row per chosen neuron of one number per chosen frame; 1 when
 * left out.
 */
@JsonIgnoreProperties(ignoreUnknown = false)
@Schema(name = "GradientObjective", description = "J = sum over the chosen neurons and frames of weight x the "
        + "ensemble-mean response. Sent as the multipart part 'objective' (a JSON text field or a .json file)")
public record GradientObjective(
        @Schema(description = "Neuron row indices (0-based, as in the responses' rows), at least one, no repeats",
                example = "[0, 3]", required = true) List<Integer> neurons,
        @Schema(description = "Frames START:END of the clip (0-based, END exclusive, either may be left out); "
                + "default the whole clip", example = "30:") String frames,
        @Schema(description = "One weight per chosen neuron, or rows (one per chosen neuron) of one weight per chosen "
                + "frame; default 1 everywhere", example = "[1.0, -0.5]") JsonNode weights) {

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT).build();

    /** Reads the part's JSON text; 422 when it is missing, not JSON or not this object. */
    static GradientObjective parse(String text) {
        if (text == null || text.isBlank()) {
            throw new ProblemException(422, "the part 'objective' is missing: send a JSON object such as "
                    + "{\"neurons\": [0], \"frames\": \"30:\"}");
        }
        try {
            return JSON.readValue(text, GradientObjective.class);
        } catch (java.io.IOException e) {
            String message = e instanceof com.fasterxml.jackson.core.JsonProcessingException json ? json.getOriginalMessage() : e.getMessage();
            throw new ProblemException(422, "objective: not a JSON object with neurons, frames and weights: "
                    + message.replaceAll(" \\(class [^)]*\\)", ""));
        }
    }

    /** The weight of every (neuron, frame) of the clip, neurons x frames in C order; 422 naming what is wrong. */
    float[] weights(Manifest.Mouse mouse, int clipFrames) {
        if (neurons == null || neurons.isEmpty()) {
            throw new ProblemException(422, "objective.neurons must list at least one neuron row index");
        }
        Set<Integer> seen = new HashSet<>();
        for (Integer n : neurons) {
            if (n == null || n < 0 || n >= mouse.neurons()) {
                throw new ProblemException(422, "objective.neurons: " + n + " is not a neuron row of mouse " + mouse.id()
                        + " (0 to " + (mouse.neurons() - 1) + ")");
            }
            if (!seen.add(n)) {
                throw new ProblemException(422, "objective.neurons: " + n + " is listed twice");
            }
        }
        int[] bounds;
        try {
            bounds = new ResponseSelection(frames, false).bounds(clipFrames, mouse);
        } catch (ProblemException e) {
            throw new ProblemException(422, "objective." + e.getMessage());
        }
        int width = bounds[1] - bounds[0];
        float[] out = new float[mouse.neurons() * clipFrames];
        for (int i = 0; i < neurons.size(); i++) {
            for (int t = 0; t < width; t++) {
                out[neurons.get(i) * clipFrames + bounds[0] + t] = weight(i, t, width);
            }
        }
        return out;
    }

    private float weight(int neuron, int frame, int width) {
        if (weights == null || weights.isNull()) {
            return 1f;
        }
        if (!weights.isArray() || weights.size() != neurons.size()) {
            throw new ProblemException(422, "objective.weights must hold one entry per chosen neuron (" + neurons.size()
                    + "), got " + (weights.isArray() ? weights.size() + " entries" : weights.getNodeType().toString().toLowerCase()));
        }
        JsonNode entry = weights.get(neuron);
        if (entry.isArray()) {
            if (entry.size() != width) {
                throw new ProblemException(422, "objective.weights[" + neuron + "] must hold one weight per chosen frame ("
                        + width + "), got " + entry.size());
            }
            entry = entry.get(frame);
        }
        if (!entry.isNumber() || !Double.isFinite(entry.doubleValue())) {
            throw new ProblemException(422, "objective.weights[" + neuron + "] must be a finite number or a row of them, got "
                    + entry);
        }
        return entry.floatValue();
    }
}
