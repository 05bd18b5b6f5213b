package dwiseneuro.serve.experiments.analysis;

import java.util.stream.IntStream;

/**
 * The response-weighted average of a noise stimulus, per neuron, accumulated block by block so that
 * neither the noise movie nor the responses to it are ever held whole:
 *
 * <pre>
 *   map_n(k) = sum_b r_nb (s_bk - mean_b s_bk) / sum_b r_nb
 * </pre>
 * r_nb the neuron's response to noise block b, s_bk the block's contrast sign at check k (-1, 0, +1).
 * Only the sums {@code sum_b r_nb s_bk}, {@code sum_b r_nb} and {@code sum_b s_bk} are kept
 * (neurons x checks floats, the size of the result), and the mean is subtracted at the end:
 * {@code sum_b r_nb (s_bk - mean s_k) = sum_b r_nb s_bk - (sum_b r_nb)(sum_b s_bk) / B}. Maps are in
 * units of contrast sign; a neuron whose responses sum to 0 or less gets a zero map.
 */
public final class ResponseWeightedAverage {

    /** Work for a parallel loop over neurons only when there are this many. */
    private static final int PARALLEL_NEURONS = 256;

    private final int neurons;
    private final int checks;
    private final float[] weighted;
    private final double[] responseSum;
    private final double[] stimulusSum;
    private long blocks;

    public ResponseWeightedAverage(int neurons, int checks) {
        this.neurons = neurons;
        this.checks = checks;
        this.weighted = new float[neurons * checks];
        this.responseSum = new double[neurons];
        this.stimulusSum = new double[checks];
    }

    /**
     * Adds {@code count} blocks: {@code responses} neurons x count (C order), {@code patterns} count x
     * checks (C order).
     */
    public void add(float[] responses, float[] patterns, int count) {
        IntStream range = IntStream.range(0, neurons);
        (neurons >= PARALLEL_NEURONS ? range.parallel() : range).forEach(n -> {
            int row = n * checks;
            double sum = 0;
            for (int b = 0; b < count; b++) {
                float r = responses[n * count + b];
                sum += r;
                int offset = b * checks;
                for (int k = 0; k < checks; k++) {
                    weighted[row + k] += r * patterns[offset + k];
                }
            }
            responseSum[n] += sum;
        });
        for (int b = 0; b < count; b++) {
            for (int k = 0; k < checks; k++) {
                stimulusSum[k] += patterns[b * checks + k];
            }
        }
        blocks += count;
    }

    public long blocks() {
        return blocks;
    }

    /** The maps (neurons x checks), computed in place: the accumulator is unusable afterwards. */
    public float[] finish() {
        for (int n = 0; n < neurons; n++) {
            double total = responseSum[n];
            for (int k = 0; k < checks; k++) {
                int i = n * checks + k;
                weighted[i] = total > 0 ? (float) ((weighted[i] - total * stimulusSum[k] / blocks) / total) : 0f;
            }
        }
        return weighted;
    }

    public double meanResponse(int neuron) {
        return responseSum[neuron] / blocks;
    }
}
