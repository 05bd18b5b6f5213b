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
        float[][] nested = new float[rows][];
        for (int r = 0; r < rows; r++) {
            nested[r] = Arrays.copyOfRange(values, r * columns, (r + 1) * columns);
        }
        json.put(key, nested);
        arrays.put(key, new ExperimentResult.Array(new int[] {rows, columns}, values));
        return this;
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

    public ExperimentResult build() {
        json.put("arrays", arrays.keySet());
        json.put("plots", plots.keySet());
        return new ExperimentResult(json, arrays, plots);
    }
}
