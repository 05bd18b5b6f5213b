package dwiseneuro.serve.experiments;

import java.util.Map;

/**
 * What an experiment found: the JSON result (per-neuron values in row order, the stimulus parameters and
 * the response measure used), the arrays of result.npz, PNG plots by file name, and other files to
 * download by file name (e.g. an optimised stimulus as .npy and .mp4).
 */
public record ExperimentResult(Map<String, Object> json, Map<String, Array> arrays, Map<String, byte[]> plots,
                               Map<String, byte[]> files) {

    public ExperimentResult(Map<String, Object> json, Map<String, Array> arrays, Map<String, byte[]> plots) {
        this(json, arrays, plots, Map.of());
    }

    /** A float32 array of result.npz: values in C order. */
    public record Array(int[] shape, float[] values) {
    }
}
