package dwiseneuro.serve.experiments.spec;

import java.util.stream.Collectors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;

import dwiseneuro.serve.experiments.SpecException;

/**
 * Binds a spec's JSON to its record strictly: an unknown field, a wrong type or a number where a list is
 * expected is a {@link SpecException} naming the field by its JSON path ({@code aperture.radius_deg},
 * {@code directions[2]}), never a silently ignored value.
 */
public final class SpecReader {

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .build();

    private SpecReader() {
    }

    /** Binds {@code spec}, whose {@code type} must be {@code name}. */
    public static <T> T read(JsonNode spec, Class<T> type, String name) {
        if (spec == null || !spec.isObject()) {
            throw new SpecException("type", "the spec must be a JSON object");
        }
        if (!name.equals(spec.path("type").asText(null))) {
            throw new SpecException("type", "must be \"" + name + "\" for this experiment, got " + spec.get("type"));
        }
        try {
            return JSON.treeToValue(spec, type);
        } catch (UnrecognizedPropertyException e) {
            String known = e.getKnownPropertyIds() == null ? "" : "; known fields: " + e.getKnownPropertyIds().stream()
                    .map(Object::toString).sorted().collect(Collectors.joining(", "));
            throw new SpecException(path(e), "unknown field" + known);
        } catch (JsonMappingException e) {
            throw new SpecException(path(e), e.getOriginalMessage().replaceAll(" \\(class [^)]*\\)", ""));
        } catch (JsonProcessingException e) {
            throw new SpecException("type", "unreadable spec: " + e.getOriginalMessage());
        }
    }

    /** The JSON path of the failing value, e.g. {@code aperture.radius_deg} or {@code directions[2]}. */
    static String path(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference reference : e.getPath()) {
            if (reference.getFieldName() != null) {
                path.append(path.length() == 0 ? "" : ".").append(reference.getFieldName());
            } else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        return path.length() == 0 ? "type" : path.toString();
    }
}
