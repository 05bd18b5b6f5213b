package dwiseneuro.serve.api.v2;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
 * With the binary tensor data extension ({@link BinaryTensors}) the JSON is the body's first
 * {@code Inference-Header-Content-Length} bytes and an input with {@code parameters.binary_data_size}
 * has its values in the bytes after it.
 */
public record InferRequest(String id, Map<String, JsonNode> parameters, Map<String, Tensor> inputs,
                           List<RequestedOutput> outputs) {

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

    /** An output the client asked for; {@code binaryData} null when it did not say. */
    public record RequestedOutput(String name, Boolean binaryData) {
    }

    /** Whether an output goes back as binary data: its own binary_data, else the request's binary_data_output. */
    public boolean binary(RequestedOutput output) {
        if (output != null && output.binaryData() != null) {
            return output.binaryData();
        }
        JsonNode all = parameters.get("binary_data_output");
        if (all != null && !all.isNull() && !all.isBoolean()) {
            throw new MediaException("the request parameter 'binary_data_output' must be true or false");
        }
        return all != null && all.asBoolean(false);
    }

    /** An input as parsed from the JSON, before binary data (if any) is read. */
    private record Parsed(String name, String label, int[] shape, String datatype, float[] data, long count, Long binarySize) {
    }

    /** Reads a JSON-only request; {@code maxValues} bounds the values of all inputs together (413 above). */
    public static InferRequest read(InputStream in, long maxValues) {
        return read(in, null, maxValues);
    }

    /**
     * Reads a request whose JSON is the first {@code headerLength} bytes (the whole body when null),
     * followed by the binary data of the inputs that have {@code parameters.binary_data_size}.
     */
    public static InferRequest read(InputStream in, Long headerLength, long maxValues) {
        Bounded json = headerLength == null ? null : new Bounded(in, headerLength);
        long[] budget = {maxValues};
        String id = null;
        Map<String, JsonNode> parameters = Map.of();
        List<Parsed> inputs = null;
        List<RequestedOutput> outputs = null;
        try (JsonParser p = FACTORY.createParser(json == null ? in : json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new MediaException("the inference request must be a JSON object");
            }
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
            if (json != null && p.nextToken() != null) {
                throw new MediaException("the first " + headerLength + " bytes (" + BinaryTensors.HEADER
                        + ") hold more than the JSON object");
            }
        } catch (IOException | MediaException e) {
            if (json != null && json.drainedEarly()) {
                throw pastTheBody(headerLength, json.count);
            }
            if (e instanceof MediaException media) {
                throw media;
            }
            String why = e.getMessage().lines().findFirst().orElse("");
            throw new MediaException(json == null ? "the inference request is not valid JSON (" + why + ")"
                    : "the first " + headerLength + " bytes (" + BinaryTensors.HEADER + ") are not a JSON object (" + why + ")");
        }
        if (json != null && json.endedEarly()) {
            throw pastTheBody(headerLength, json.count);
        }
        if (inputs == null) {
            throw new MediaException("the inference request has no 'inputs'");
        }
        try {
            return new InferRequest(id, parameters, binaryData(in, json != null, inputs, budget), outputs);
        } catch (IOException e) {
            throw new MediaException("the request body could not be read (" + e.getMessage() + ")");
        }
    }

    private static MediaException pastTheBody(long headerLength, long body) {
        return new MediaException(BinaryTensors.HEADER + " is " + headerLength + " bytes but the body has only " + body);
    }

    /** The inputs with their binary data read from after the JSON, in the order of the JSON; nothing may follow. */
    private static Map<String, Tensor> binaryData(InputStream in, boolean binaryBody, List<Parsed> inputs, long[] budget)
            throws IOException {
        Map<String, Tensor> out = new LinkedHashMap<>();
        long binaryBytes = 0;
        for (Parsed input : inputs) {
            float[] data = input.data();
            if (input.binarySize() != null) {
                if (!binaryBody) {
                    throw new MediaException(input.label() + " has parameters.binary_data_size but the request has no "
                            + BinaryTensors.HEADER + " header (the length of the JSON before the binary data)");
                }
                budget[0] -= input.count(); // before any arithmetic on a shape that may claim more than a long holds
                if (budget[0] < 0) {
                    throw new MediaException(413, "the inputs hold more values than this service accepts");
                }
                long bytes = input.count() * BinaryTensors.elementSize(input.label(), input.datatype());
                if (bytes != input.binarySize()) {
                    throw new MediaException(input.label() + ": binary_data_size is " + input.binarySize() + " bytes, but shape "
                            + Arrays.toString(input.shape()) + " of " + input.datatype() + " is " + bytes + " bytes");
                }
                data = BinaryTensors.read(in, input.label(), input.datatype(), (int) input.count());
                binaryBytes += bytes;
            }
            out.put(input.name(), new Tensor(input.name(), input.shape(), input.datatype(), data));
        }
        if (binaryBody) {
            long extra = in.transferTo(OutputStream.nullOutputStream());
            if (extra > 0) {
                throw new MediaException(extra + " bytes follow the binary tensor data (the inputs' binary_data_size add up to "
                        + binaryBytes + " bytes after the " + BinaryTensors.HEADER + " bytes of JSON)");
            }
        }
        return out;
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

    private static List<RequestedOutput> outputs(JsonNode node) {
        String expected = "'outputs' must be an array of {\"name\": ..., \"parameters\": {\"binary_data\": true|false}} objects";
        if (!node.isArray()) {
            throw new MediaException(expected);
        }
        List<RequestedOutput> outputs = new ArrayList<>();
        for (JsonNode output : node) {
            if (!output.isObject() || !output.path("name").isTextual()) {
                throw new MediaException(expected);
            }
            String name = output.get("name").asText();
            Map<String, JsonNode> parameters = parameters(output.get("parameters"), "parameters of output '" + name + "'");
            JsonNode binary = parameters.get("binary_data");
            if (binary != null && !binary.isNull() && !binary.isBoolean()) {
                throw new MediaException("output '" + name + "': parameters.binary_data must be true or false");
            }
            JsonNode classification = parameters.get("classification");
            if (classification != null && classification.asInt(0) != 0) {
                throw new MediaException("output '" + name + "': the classification extension is not supported");
            }
            outputs.add(new RequestedOutput(name, binary == null || binary.isNull() ? null : binary.asBoolean()));
        }
        return outputs;
    }

    private static List<Parsed> inputs(JsonParser p, long[] budget) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw new MediaException("'inputs' must be an array of tensors");
        }
        List<Parsed> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (p.currentToken() != JsonToken.START_OBJECT) {
                throw new MediaException("each input must be an object with name, shape, datatype and data");
            }
            String name = null;
            int[] shape = null;
            String datatype = null;
            float[] data = null;
            int count = 0;
            Map<String, JsonNode> parameters = Map.of();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "name" -> name = p.getValueAsString();
                    case "datatype" -> datatype = p.getValueAsString();
                    case "shape" -> shape = shape(TREE.readTree(p));
                    case "parameters" -> parameters = parameters(TREE.readTree(p), "parameters of an input");
                    case "data" -> {
                        Values values = new Values(budget);
                        values.read(p);
                        data = values.values;
                        count = values.count;
                    }
                    default -> p.skipChildren();
                }
            }
            String label = name == null ? "an input" : "input '" + name + "'";
            Long binarySize = binarySize(label, parameters.get("binary_data_size"));
            if (name == null || shape == null || datatype == null || data == null && binarySize == null) {
                throw new MediaException(label + " needs name, shape, datatype and data (or parameters.binary_data_size "
                        + "with the values as binary data after the JSON)");
            }
            if (data != null && binarySize != null) {
                throw new MediaException(label + " has both data and parameters.binary_data_size");
            }
            if (!names.add(name)) {
                throw new MediaException("input '" + name + "' is given twice");
            }
            long expected = 1;
            for (int d : shape) {
                expected = expected > Integer.MAX_VALUE ? expected : expected * d;
            }
            if (data == null) {
                out.add(new Parsed(name, label, shape, datatype, null, expected, binarySize));
                continue;
            }
            if (expected != count) {
                throw new MediaException(label + ": shape " + Arrays.toString(shape) + " holds " + expected
                        + " values but data has " + count);
            }
            checkType(label, datatype, data, count);
            out.add(new Parsed(name, label, shape, datatype, Arrays.copyOf(data, count), count, null));
        }
        return out;
    }

    private static Long binarySize(String label, JsonNode size) {
        if (size == null || size.isNull()) {
            return null;
        }
        if (!size.isIntegralNumber() || !size.canConvertToLong() || size.asLong() < 0) {
            throw new MediaException(label + ": parameters.binary_data_size must be a whole number of bytes, got " + size);
        }
        return size.asLong();
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

    /** The first {@code limit} bytes of the body (the JSON), never reading past them; close leaves the body open. */
    private static final class Bounded extends InputStream {
        private final InputStream in;
        private final long limit;
        long count;
        private boolean eof;

        Bounded(InputStream in, long limit) {
            this.in = in;
            this.limit = limit;
        }

        /** Whether the body ended before the header's length. */
        boolean endedEarly() {
            return eof && count < limit;
        }

        /** Whether the body ends before the header's length, reading up to it (after a JSON error, which may be its cause). */
        boolean drainedEarly() {
            try {
                transferTo(OutputStream.nullOutputStream());
            } catch (IOException e) {
                return false;
            }
            return endedEarly();
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (count >= limit) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, limit - count));
            if (n < 0) {
                eof = true;
                return -1;
            }
            count += n;
            return n;
        }

        @Override
        public void close() {
        }
    }
}
