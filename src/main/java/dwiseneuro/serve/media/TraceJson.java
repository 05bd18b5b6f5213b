package dwiseneuro.serve.media;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

/**
 * Reads a trace (behavior or pupil center) sent as JSON: an array of rows, each an array of numbers,
 * e.g. {@code [[0.1, 0.2, ...], [3.0, 3.1, ...]]} for shape (2, frames). {@code null} stands for NaN
 * (the dataset's trailing padding), and so does {@code NaN} as Python's json module writes it. Streamed, so a
 * large document costs only its values.
 */
public final class TraceJson {

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(com.fasterxml.jackson.core.json.JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS) // Python's json writes NaN
            .build();

    private TraceJson() {
    }

    public static NpyArray read(String name, InputStream in, long maxElements) {
        try (JsonParser parser = FACTORY.createParser(in)) {
            if (parser.nextToken() != JsonToken.START_ARRAY) {
                throw invalid(name);
            }
            List<float[]> rows = new ArrayList<>();
            long count = 0;
            JsonToken token;
            while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
                if (token != JsonToken.START_ARRAY) {
                    throw invalid(name);
                }
                // Rows cost memory even when empty ([[],[],...]: 3 bytes each): bound them like values.
                if (rows.size() >= maxElements) {
                    throw new MediaException(413, name + ": more than " + maxElements + " rows");
                }
                float[] row = new float[64];
                int n = 0;
                while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
                    float value;
                    if (token == JsonToken.VALUE_NULL) {
                        value = Float.NaN;
                    } else if (token == JsonToken.VALUE_NUMBER_INT || token == JsonToken.VALUE_NUMBER_FLOAT) {
                        value = parser.getFloatValue();
                    } else {
                        throw invalid(name);
                    }
                    if (++count > maxElements) {
                        throw new MediaException(413, name + ": more than " + maxElements + " values");
                    }
                    if (n == row.length) {
                        row = java.util.Arrays.copyOf(row, row.length * 2);
                    }
                    row[n++] = value;
                }
                rows.add(java.util.Arrays.copyOf(row, n));
            }
            if (parser.nextToken() != null) {
                throw new MediaException(name + ": unexpected content after the JSON array");
            }
            if (rows.isEmpty()) {
                throw invalid(name);
            }
            int frames = rows.get(0).length;
            float[] data = new float[rows.size() * frames];
            for (int r = 0; r < rows.size(); r++) {
                if (rows.get(r).length != frames) {
                    throw new MediaException(name + ": the JSON rows have different lengths (" + frames + " and "
                            + rows.get(r).length + ")");
                }
                System.arraycopy(rows.get(r), 0, data, r * frames, frames);
            }
            return new NpyArray(name, new int[] {rows.size(), frames}, "json", data);
        } catch (IOException e) {
            throw new MediaException(name + ": not valid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
    }

    private static MediaException invalid(String name) {
        return new MediaException(name + ": expected a JSON array of rows of numbers, e.g. [[0.1, 0.2], [3.0, 3.1]] "
                + "for shape (2, frames); null stands for NaN");
    }
}
