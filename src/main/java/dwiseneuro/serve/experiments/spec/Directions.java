package dwiseneuro.serve.experiments.spec;

import com.fasterxml.jackson.databind.JsonNode;

import dwiseneuro.serve.experiments.SpecException;

/** The {@code directions} of a spec: a count (evenly spaced from 0 degrees) or a list of degrees. */
public final class Directions {

    private Directions() {
    }

    /** Directions in degrees of motion, [0, 360); {@code least} of them at least (OSI needs 4). */
    public static double[] parse(String field, JsonNode node, int defaultCount, int least) {
        double[] directions;
        if (node == null || node.isNull()) {
            directions = evenly(defaultCount);
        } else if (node.isIntegralNumber()) {
            int count = node.asInt();
            if (count < least || count > 360) {
                throw new SpecException(field, "a count of directions must be from " + least + " to 360, got " + node);
            }
            directions = evenly(count);
        } else if (node.isArray()) {
            directions = new double[node.size()];
            for (int i = 0; i < directions.length; i++) {
                JsonNode v = node.get(i);
                if (!v.isNumber() || !(v.asDouble() >= 0 && v.asDouble() < 360)) {
                    throw new SpecException(field + "[" + i + "]", "must be degrees from 0 to below 360, got " + v);
                }
                directions[i] = v.asDouble();
                for (int j = 0; j < i; j++) {
                    if (directions[j] == directions[i]) {
                        throw new SpecException(field + "[" + i + "]", "repeats the direction " + v);
                    }
                }
            }
            if (directions.length < least) {
                throw new SpecException(field, "needs at least " + least + " directions, got " + directions.length);
            }
        } else {
            throw new SpecException(field, "must be a count (e.g. 16, evenly spaced from 0) or a list of degrees, got " + node);
        }
        return directions;
    }

    private static double[] evenly(int count) {
        double[] directions = new double[count];
        for (int i = 0; i < count; i++) {
            directions[i] = 360.0 * i / count;
        }
        return directions;
    }
}
