package dwiseneuro.serve.experiments;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Assembles an {@link ExperimentResult}: values that go both into the JSON (per neuron, in row order)
 * and into result.npz as float32 arrays, the JSON's other entries, and the plots.
 */
public final class ResultBuilder {

    private final Map<String, Object> json = new LinkedHashMap<>();
    private final Map<String, ExperimentResult.Array> arrays = new LinkedHashMap<>();
    private final Map<String, byte[]> plots = new LinkedHashMap<>();
    private final Map<String, byte[]> files = new LinkedHashMap<>();

    public ResultBuilder(Map<String, Object> header) {
        json.putAll(header);
    }

    /** A JSON-only entry. */
    public ResultBuilder put(String key, Object value) {
        json.put(key, value);
        return this;
    }

    /** One value per neuron (or a 1-D parameter list): a JSON list and a 1-D array. */
    public ResultBuilder vector(String key, double[] values) {
        json.put(key, values);
        float[] f = new float[values.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) values[i];
        }
        arrays.put(key, new ExperimentResult.Array(new int[] {f.length}, f));
        return this;
    }

    /** A rows x columns table (C order): nested JSON lists and a 2-D array. */
    public ResultBuilder matrix(String key, float[] values, int rows, int columns) {
        return tensor(key, values, rows, columns);
    }

    /** An array of any rank (C order): nested JSON lists and the array. */
    public ResultBuilder tensor(String key, float[] values, int... shape) {
        json.put(key, nested(values, 0, shape, 0));
        arrays.put(key, new ExperimentResult.Array(shape, values));
        return this;
    }

    private static Object nested(float[] values, int offset, int[] shape, int axis) {
        if (axis == shape.length - 1) {
            return Arrays.copyOfRange(values, offset, offset + shape[axis]);
        }
        int stride = 1;
        for (int a = axis + 1; a < shape.length; a++) {
            stride *= shape[a];
        }
        Object[] out = new Object[shape[axis]];
        for (int i = 0; i < out.length; i++) {
            out[i] = nested(values, offset + i * stride, shape, axis + 1);
        }
        return out;
    }

    /** An array for result.npz only (large maps, or tables with more than two axes). */
    public ResultBuilder array(String key, float[] values, int... shape) {
        arrays.put(key, new ExperimentResult.Array(shape, values));
        return this;
    }

    public ResultBuilder plot(String name, byte[] png) {
        plots.put(name, png);
        return this;
    }

    /** A file to download from /v1/experiments/{job}/files/{name} (any type; the name's extension says which). */
    public ResultBuilder file(String name, byte[] content) {
        files.put(name, content);
        return this;
    }

    public ExperimentResult build() {
        json.put("arrays", arrays.keySet());
        json.put("plots", plots.keySet());
        if (!files.isEmpty()) {
            json.put("files", files.keySet());
        }
        return new ExperimentResult(json, arrays, plots, files);
    }
}
