package dwiseneuro.serve.testing;

import static io.restassured.RestAssured.given;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The experiment spec examples of the OpenAPI document the running test app serves (the ones Swagger
 * UI's "Try it out" posts as they are), by experiment type.
 */
public final class OpenApiExamples {

    private static final ObjectMapper JSON = new ObjectMapper();

    private OpenApiExamples() {
    }

    private static JsonNode schemas() {
        try {
            return JSON.readTree(given().queryParam("format", "json").get("/q/openapi").then().statusCode(200)
                    .extract().asString()).path("components").path("schemas");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The experiment types the document's ExperimentSpec lists (its discriminator mapping). */
    public static List<String> experimentTypes() {
        List<String> types = new ArrayList<>();
        schemas().path("ExperimentSpec").path("discriminator").path("mapping").fieldNames().forEachRemaining(types::add);
        return types;
    }

    /** The first example of {@code type}'s spec schema; fails where there is none or it names another type. */
    public static JsonNode experimentSpec(String type) {
        JsonNode schemas = schemas();
        String ref = schemas.path("ExperimentSpec").path("discriminator").path("mapping").path(type).asText();
        JsonNode examples = schemas.path(ref.replace("#/components/schemas/", "")).path("examples");
        if (!examples.isArray() || examples.isEmpty() || !type.equals(examples.get(0).path("type").asText())) {
            throw new AssertionError("the OpenAPI schema " + ref + " of " + type + " has no example of its own type: " + examples);
        }
        return examples.get(0);
    }
}
