package dwiseneuro.serve.experiments;

import java.util.Map;

/**
 * What an experiment found: the JSON result (per-neuron values in row order, the stimulus parameters and
 * the response measure used), the arrays of result.npz, and PNG plots by file name.
 */
public record ExperimentResult(Map<String, Object> json, Map<String, Array> arrays, Map<String, byte[]> plots) {

    /** A float32 array of result.npz: values in C order. */
    public record Array(int[] shape, float[] values) {
    }
}
