package dwiseneuro.serve.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * The committed OpenAPI document (openapi/openapi.json, written by every ./mvnw package) must be the
 * one the code generates; and every operation must carry a summary, documented parameters with
 * examples, and its error responses.
 */
@QuarkusTest
@TestProfile(StatsEnsembleProfile.class)
class OpenApiDriftTest {

    static final Path COMMITTED = Path.of("openapi/openapi.json");
    static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode generated() throws IOException {
        return JSON.readTree(given().queryParam("format", "json").get("/q/openapi").then().statusCode(200).extract().asString());
    }

    @Test
    void committedDocumentMatchesTheCode() throws IOException {
        JsonNode generated = generated();
        Path fresh = Path.of("target/openapi-generated.json");
        Files.createDirectories(fresh.getParent());
        JSON.writerWithDefaultPrettyPrinter().writeValue(fresh.toFile(), generated);
        assertTrue(Files.isRegularFile(COMMITTED), COMMITTED + " is missing: run ./mvnw package -DskipTests and commit openapi/");
        JsonNode committed = JSON.readTree(COMMITTED.toFile());
        List<String> differences = new ArrayList<>();
        diff("", committed, generated, differences);
        if (!differences.isEmpty()) {
            fail(COMMITTED + " differs from the document the code generates (" + differences.size() + " places, first: "
                    + differences.subList(0, Math.min(5, differences.size())) + "). Run ./mvnw package -DskipTests "
                    + "(it rewrites openapi/) or copy " + fresh + ", and commit openapi/.");
        }
    }

    @Test
    void everyOperationIsDocumented() throws IOException {
        JsonNode paths = generated().get("paths");
        List<String> missing = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = paths.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> path = it.next();
            for (Iterator<Map.Entry<String, JsonNode>> ops = path.getValue().fields(); ops.hasNext(); ) {
                Map.Entry<String, JsonNode> op = ops.next();
                String name = op.getKey().toUpperCase() + " " + path.getKey();
                JsonNode operation = op.getValue();
                if (operation.path("summary").asText().isBlank()) {
                    missing.add(name + ": summary");
                }
                for (JsonNode parameter : operation.path("parameters")) {
                    if (parameter.path("description").asText().isBlank()) {
                        missing.add(name + ": description of " + parameter.path("name").asText());
                    }
                    if (!parameter.has("example") && !parameter.has("examples")) {
                        missing.add(name + ": example of " + parameter.path("name").asText());
                    }
                }
                boolean takesInput = operation.has("parameters") || operation.has("requestBody");
                boolean documentsErrors = false;
                for (Iterator<String> codes = operation.path("responses").fieldNames(); codes.hasNext(); ) {
                    documentsErrors |= codes.next().matches("[45]\\d\\d");
                }
                if (takesInput && !documentsErrors) {
                    missing.add(name + ": error responses");
                }
                if (!operation.path("responses").has("200") && !operation.path("responses").has("202")) {
                    missing.add(name + ": 200 (or 202 Accepted) response");
                }
            }
        }
        assertTrue(missing.isEmpty(), "undocumented: " + missing);
    }

    private static void diff(String at, JsonNode expected, JsonNode actual, List<String> out) {
        if (expected.isObject() && actual.isObject()) {
            for (Iterator<String> it = expected.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!actual.has(f)) {
                    out.add(at + "/" + f + " (only in the committed copy)");
                } else {
                    diff(at + "/" + f, expected.get(f), actual.get(f), out);
                }
            }
            for (Iterator<String> it = actual.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!expected.has(f)) {
                    out.add(at + "/" + f + " (only in the generated document)");
                }
            }
        } else if (!expected.equals(actual)) {
            out.add(at);
        }
    }
}
