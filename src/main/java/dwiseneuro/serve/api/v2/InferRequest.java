package dwiseneuro.serve.api.v2;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dwiseneuro.serve.media.MediaException;
import dwiseneuro.serve.media.NpyArray;

/**
 * An Open Inference Protocol v2 inference request, read as a stream: the tensors' data go straight into
 * float arrays (nested or flat, row-major), never into a JSON tree, and no more values are read than
 * the limit allows. NaN may be written as {@code NaN} (as Python's json module does) or {@code null}.
 */
public record InferRequest(String id, Map<String, JsonNode> parameters, Map<String, Tensor> inputs, List<String> outputs) {

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();
    private static final ObjectMapper TREE = new ObjectMapper(FACTORY);

    /** One input tensor. */
    public record Tensor(String name, int[] shape, String datatype, float[] data) {
        public NpyArray array() {
            return new NpyArray(name, shape, datatype, data);
        }
    }

    /** Reads a request; {@code maxValues} bounds the values of all inputs together (413 above). */
    public static InferRequest read(InputStream in, long maxValues) {
        try (JsonParser p = FACTORY.createParser(in)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new MediaException("the inference request must be a JSON object");
            }
            String id = null;
            Map<String, JsonNode> parameters = Map.of();
            Map<String, Tensor> inputs = null;
            List<String> outputs = null;
            long[] budget = {maxValues};
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "id" -> {
                        if (value != JsonToken.VALUE_STRING) {
                            throw new MediaException("'id' must be a string");
                        }
                        id = p.getText();
                    }
                    case "parameters" -> parameters = parameters(TREE.readTree(p), "parameters");
                    case "inputs" -> inputs = inputs(p, budget);
                    case "outputs" -> outputs = outputs(TREE.readTree(p));
                    default -> p.skipChildren();
                }
            }
            if (inputs == null) {
                throw new MediaException("the inference request has no 'inputs'");
            }
            return new InferRequest(id, parameters, inputs, outputs);
        } catch (IOException e) {
            throw new MediaException("the inference request is not valid JSON ("
                    + e.getMessage().lines().findFirst().orElse("") + ")");
        }
    }

    private static Map<String, JsonNode> parameters(JsonNode node, String where) {
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw new MediaException("'" + where + "' must be a JSON object");
        }
        Map<String, JsonNode> out = new LinkedHashMap<>();
        node.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    private static List<String> outputs(JsonNode node) {
        if (!node.isArray()) {
            throw new MediaException("'outputs' must be an array of {\"name\": ...} objects");
        }
        List<String> names = new ArrayList<>();
        for (JsonNode output : node) {
            if (!output.isObject() || !output.path("name").isTextual()) {
                throw new MediaException("'outputs' must be an array of {\"name\": ...} objects");
            }
            names.add(output.get("name").asText());
        }
        return names;
    }

    private static Map<String, Tensor> inputs(JsonParser p, long[] budget) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw new MediaException("'inputs' must be an array of tensors");
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (p.currentToken() != JsonToken.START_OBJECT) {
                throw new MediaException("each input must be an object with name, shape, datatype and data");
            }
            String name = null;
            int[] shape = null;
            String datatype = null;
            float[] data = null;
            int count = 0;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "name" -> name = p.getValueAsString();
                    case "datatype" -> datatype = p.getValueAsString();
                    case "shape" -> shape = shape(TREE.readTree(p));
                    case "data" -> {
                        Values values = new Values(budget);
                        values.read(p);
                        data = values.values;
                        count = values.count;
                    }
                    default -> p.skipChildren(); // "parameters" of an input (e.g. binary_data_size) are not supported
                }
            }
            String label = name == null ? "an input" : "input '" + name + "'";
            if (name == null || shape == null || datatype == null || data == null) {
                throw new MediaException(label + " needs name, shape, datatype and data");
            }
            if (out.containsKey(name)) {
                throw new MediaException("input '" + name + "' is given twice");
            }
            long expected = 1;
            for (int d : shape) {
                expected = expected > Integer.MAX_VALUE ? expected : expected * d;
            }
            if (expected != count) {
                throw new MediaException(label + ": shape " + Arrays.toString(shape) + " holds " + expected
                        + " values but data has " + count);
            }
            checkType(label, datatype, data, count);
            out.put(name, new Tensor(name, shape, datatype, Arrays.copyOf(data, count)));
        }
        return out;
    }

    private static int[] shape(JsonNode node) {
        if (!node.isArray()) {
            throw new MediaException("'shape' must be an array of non-negative integers");
        }
        int[] shape = new int[node.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = node.get(i);
            if (!d.canConvertToInt() || !d.isIntegralNumber() || d.asInt() < 0) {
                throw new MediaException("'shape' must be an array of non-negative integers");
            }
            shape[i] = d.asInt();
        }
        return shape;
    }

    private static void checkType(String label, String datatype, float[] data, int count) {
        switch (datatype) {
            case "UINT8" -> {
                for (int i = 0; i < count; i++) {
                    float v = data[i];
                    if (!(v >= 0 && v <= 255 && v == Math.rint(v))) {
                        throw new MediaException(label + ": UINT8 data must be integers 0..255, got " + v);
                    }
                }
            }
            case "FP32", "FP64", "FP16" -> {
            }
            default -> throw new MediaException(label + ": datatype " + datatype + " is not supported; use UINT8, FP32 or FP64");
        }
    }

    /** Flattens nested arrays of numbers (row-major) into a growable float array, within the budget. */
    private static final class Values {
        private final long[] budget;
        float[] values = new float[1024];
        int count;

        Values(long[] budget) {
            this.budget = budget;
        }

        void read(JsonParser p) throws IOException {
            if (p.currentToken() != JsonToken.START_ARRAY) {
                throw new MediaException("'data' must be an array of numbers (flat or nested, row-major)");
            }
            int depth = 1;
            while (depth > 0) {
                JsonToken t = p.nextToken();
                if (t == null) {
                    throw new MediaException("the inference request ends inside 'data'");
                }
                switch (t) {
                    case START_ARRAY -> depth++;
                    case END_ARRAY -> depth--;
                    case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> add(p.getFloatValue());
                    case VALUE_NULL -> add(Float.NaN);
                    default -> throw new MediaException("'data' must hold only numbers (NaN or null for NaN), got "
                            + p.getText());
                }
            }
        }

        private void add(float v) {
            if (--budget[0] < 0) {
                throw new MediaException(413, "the inputs hold more values than this service accepts");
            }
            if (count == values.length) {
                values = Arrays.copyOf(values, values.length * 2);
            }
            values[count++] = v;
        }
    }
}
