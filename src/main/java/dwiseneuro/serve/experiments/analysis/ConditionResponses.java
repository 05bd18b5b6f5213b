package dwiseneuro.serve.experiments.analysis;

/**
 * Each neuron's response to each condition of an experiment (neurons x conditions, C order) and its
 * baseline: what the tuning analyses start from.
 */
public record ConditionResponses(int neurons, int conditions, float[] responses, float[] baseline) {

    public float response(int neuron, int condition) {
        return responses[neuron * conditions + condition];
    }

    /** The response above baseline, rectified at 0: the quantity the selectivity indices use. */
    public double evoked(int neuron, int condition) {
        return Math.max(0, responses[neuron * conditions + condition] - baseline[neuron]);
    }
}
