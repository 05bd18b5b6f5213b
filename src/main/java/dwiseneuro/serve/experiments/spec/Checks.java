package dwiseneuro.serve.experiments.spec;

import java.util.List;

import dwiseneuro.serve.experiments.SpecException;

/** Small validations of spec values that name the field they fail on. */
public final class Checks {

    private Checks() {
    }

    public static double positive(String field, Double value, double otherwise) {
        double v = value == null ? otherwise : value;
        if (!(v > 0) || !Double.isFinite(v)) {
            throw new SpecException(field, "must be a positive number, got " + v);
        }
        return v;
    }

    public static double finite(String field, Double value, double otherwise) {
        double v = value == null ? otherwise : value;
        if (!Double.isFinite(v)) {
            throw new SpecException(field, "must be a finite number, got " + v);
        }
        return v;
    }

    public static int atLeast(String field, Integer value, int otherwise, int least) {
        int v = value == null ? otherwise : value;
        if (v < least) {
            throw new SpecException(field, "must be at least " + least + ", got " + v);
        }
        return v;
    }

    /** A non-empty list of distinct numbers within [low, high], in the given order. */
    public static double[] values(String field, List<Double> given, double[] otherwise, double low, double high, String unit) {
        if (given == null) {
            return otherwise;
        }
        if (given.isEmpty()) {
            throw new SpecException(field, "must hold at least one value");
        }
        double[] out = new double[given.size()];
        for (int i = 0; i < out.length; i++) {
            Double v = given.get(i);
            if (v == null || !(v >= low && v <= high)) {
                throw new SpecException(field + "[" + i + "]", "must be from " + low + " to " + high + " " + unit + ", got " + v);
            }
            for (int j = 0; j < i; j++) {
                if (out[j] == v) {
                    throw new SpecException(field + "[" + i + "]", "repeats the value " + v);
                }
            }
            out[i] = v;
        }
        return out;
    }

    /** Neuron rows to plot: the spec's row indices (1 to 64 of them), or the first {@code count}. */
    public static int[] plotNeurons(List<Integer> given, int neurons, int count) {
        if (given == null) {
            return java.util.stream.IntStream.range(0, Math.min(count, neurons)).toArray();
        }
        if (given.isEmpty() || given.size() > 64) {
            throw new SpecException("plot_neurons", "must list 1 to 64 neuron row indices, got " + given.size());
        }
        int[] out = new int[given.size()];
        for (int i = 0; i < out.length; i++) {
            Integer n = given.get(i);
            if (n == null || n < 0 || n >= neurons) {
                throw new SpecException("plot_neurons[" + i + "]", "must be a neuron row index from 0 to " + (neurons - 1) + ", got " + n);
            }
            out[i] = n;
        }
        return out;
    }
}
