package dwiseneuro.serve.api.v2;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dwiseneuro.serve.Readiness;
import dwiseneuro.serve.api.MediaClips;
import dwiseneuro.serve.api.MiceResource;
import dwiseneuro.serve.api.StatsEnsembleProfile;
import dwiseneuro.serve.media.NpyArray;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

/**
 * The Open Inference Protocol v2 endpoints against the protocol's JSON shapes (field names, types,
 * status codes, {"error": ...} bodies), and the numbers against the /v1 API for the same clip.
 */
@QuarkusTest
@TestProfile(StatsEnsembleProfile.class)
class InferenceProtocolTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final int FRAMES = 33;

    @BeforeEach
    void ready() {
        Readiness.awaitReady();
    }

    static Set<String> fields(JsonNode node) {
        Set<String> names = new TreeSet<>();
        Iterator<String> it = node.fieldNames();
        it.forEachRemaining(names::add);
        return names;
    }

    static JsonNode get(String path, int status) throws IOException {
        String body = given().get(path).then().statusCode(status).contentType(ContentType.JSON).extract().asString();
        return JSON.readTree(body);
    }

    @Test
    void healthEndpoints() throws IOException {
        JsonNode live = get("/v2/health/live", 200);
        assertEquals(Set.of("live"), fields(live));
        assertTrue(live.get("live").isBoolean() && live.get("live").asBoolean());
        JsonNode ready = get("/v2/health/ready", 200);
        assertEquals(Set.of("ready"), fields(ready));
        assertTrue(ready.get("ready").asBoolean());
        JsonNode server = get("/v2", 200);
        assertTrue(server.get("name").isTextual() && server.get("version").isTextual() && server.get("extensions").isArray());
    }

    @Test
    void modelMetadataAndReadiness() throws IOException {
        JsonNode model = get("/v2/models/demo", 200);
        assertEquals("demo", model.get("name").asText());
        assertTrue(model.get("platform").isTextual());
        assertTrue(model.get("versions").isArray());
        for (String side : List.of("inputs", "outputs")) {
            for (JsonNode tensor : model.get(side)) {
                assertEquals(Set.of("name", "datatype", "shape"), fields(tensor), tensor.toString());
                assertTrue(tensor.get("shape").isArray());
                for (JsonNode d : tensor.get("shape")) {
                    assertTrue(d.isIntegralNumber(), tensor.toString());
                }
            }
        }
        assertEquals("video", model.get("inputs").get(0).get("name").asText());
        assertEquals("[36,64,-1]", model.get("inputs").get(0).get("shape").toString());
        assertEquals("responses", model.get("outputs").get(0).get("name").asText());
        assertEquals("FP32", model.get("outputs").get(0).get("datatype").asText());

        JsonNode ready = get("/v2/models/demo/ready", 200);
        assertEquals("demo", ready.get("name").asText());
        assertTrue(ready.get("ready").asBoolean());

        JsonNode unknown = get("/v2/models/nope", 404);
        assertEquals(Set.of("error"), fields(unknown));
        assertTrue(unknown.get("error").asText().contains("unknown model 'nope'"));
        assertEquals(Set.of("error"), fields(get("/v2/models/nope/ready", 404)));
    }

    static ObjectNode request(String videoType, boolean nested, boolean traces) {
        NpyArray video = MediaClips.cut("video", FRAMES);
        ObjectNode request = JSON.createObjectNode();
        request.put("id", "trial-7");
        request.putObject("parameters").put("mouse", "demo-mouse-1");
        ArrayNode inputs = request.putArray("inputs");
        ObjectNode v = inputs.addObject();
        v.put("name", "video").put("datatype", videoType);
        v.putArray("shape").add(36).add(64).add(FRAMES);
        ArrayNode data = v.putArray("data");
        if (nested) {
            for (int y = 0; y < 36; y++) {
                ArrayNode row = data.addArray();
                for (int x = 0; x < 64; x++) {
                    ArrayNode pixel = row.addArray();
                    for (int t = 0; t < FRAMES; t++) {
                        pixel.add(video.data()[(y * 64 + x) * FRAMES + t]);
                    }
                }
            }
        } else {
            for (float value : video.data()) {
                if (videoType.equals("UINT8")) {
                    data.add(Math.round(value));
                } else {
                    data.add(value);
                }
            }
        }
        if (traces) {
            for (String name : List.of("behavior", "pupil_center")) {
                NpyArray trace = MediaClips.cut(name, FRAMES);
                ObjectNode t = inputs.addObject();
                t.put("name", name).put("datatype", "FP32");
                t.putArray("shape").add(2).add(FRAMES);
                ArrayNode values = t.putArray("data");
                for (float f : trace.data()) {
                    values.add(f);
                }
            }
        }
        request.putArray("outputs").addObject().put("name", "responses");
        return request;
    }

    static JsonNode infer(ObjectNode request, int status) throws IOException {
        String body = given().contentType(ContentType.JSON).body(request.toString())
                .post("/v2/models/demo/infer").then().statusCode(status).contentType(ContentType.JSON).extract().asString();
        return JSON.readTree(body);
    }

    @Test
    void inferReturnsTheProtocolsResponseWithTheV1Numbers() throws IOException {
        JsonNode response = infer(request("UINT8", false, true), 200);
        assertEquals("demo", response.get("model_name").asText());
        assertEquals("trial-7", response.get("id").asText());
        assertEquals(1, response.get("outputs").size());
        JsonNode output = response.get("outputs").get(0);
        assertEquals(Set.of("name", "shape", "datatype", "data"), fields(output));
        assertEquals("responses", output.get("name").asText());
        assertEquals("FP32", output.get("datatype").asText());
        assertEquals("[37," + FRAMES + "]", output.get("shape").toString());
        assertEquals(37 * FRAMES, output.get("data").size());
        assertEquals("demo-mouse-1", response.get("parameters").get("mouse").asText());

        // the same clip through /v1 as .npy
        String v1 = given()
                .multiPart("video", "v.npy", MediaClips.npy(MediaClips.cut("video", FRAMES)), MiceResource.NPY)
                .multiPart("behavior", "b.npy", MediaClips.npy(MediaClips.cut("behavior", FRAMES)), MiceResource.NPY)
                .multiPart("pupil_center", "p.npy", MediaClips.npy(MediaClips.cut("pupil_center", FRAMES)), MiceResource.NPY)
                .post("/v1/mice/demo-mouse-1/responses").then().statusCode(200).extract().asString();
        JsonNode rows = JSON.readTree(v1).get("responses");
        float[] expected = new float[37 * FRAMES];
        for (int n = 0; n < 37; n++) {
            for (int t = 0; t < FRAMES; t++) {
                expected[n * FRAMES + t] = (float) rows.get(n).get(t).asDouble();
            }
        }
        assertArrayEquals(expected, floats(output.get("data")), 1e-6f);

        // FP32 video as nested arrays, traces left out (the manifest has the mouse's means)
        JsonNode nested = infer(request("FP32", true, false), 200);
        assertEquals("[37," + FRAMES + "]", nested.get("outputs").get(0).get("shape").toString());
        assertTrue(nested.get("parameters").get("notes").asText().contains("training mean"));
    }

    static float[] floats(JsonNode array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) array.get(i).asDouble();
        }
        return out;
    }

    @Test
    void errorsAreTheProtocolsErrorObject() throws IOException {
        ObjectNode noMouse = request("UINT8", false, true);
        ((ObjectNode) noMouse.get("parameters")).remove("mouse");
        assertError(infer(noMouse, 400), "'mouse' is required");

        ObjectNode badShape = request("UINT8", false, true);
        ((ArrayNode) badShape.get("inputs").get(0).get("shape")).removeAll().add(36).add(32).add(FRAMES * 2);
        assertError(infer(badShape, 422), "video must have shape (36, 64, frames)");

        ObjectNode countMismatch = request("UINT8", false, true);
        ((ArrayNode) countMismatch.get("inputs").get(0).get("shape")).removeAll().add(36).add(64).add(FRAMES + 1);
        assertError(infer(countMismatch, 400), "holds");

        ObjectNode badType = request("UINT8", false, true);
        ((ObjectNode) badType.get("inputs").get(0)).put("datatype", "BYTES");
        assertError(infer(badType, 400), "not supported");

        ObjectNode notUint8 = request("UINT8", false, true);
        ((ArrayNode) notUint8.get("inputs").get(0).get("data")).set(0, JSON.getNodeFactory().numberNode(300));
        assertError(infer(notUint8, 400), "0..255");

        ObjectNode unknownOutput = request("UINT8", false, true);
        ((ObjectNode) unknownOutput.get("outputs").get(0)).put("name", "spikes");
        assertError(infer(unknownOutput, 400), "unknown output 'spikes'");

        assertError(JSON.readTree(given().contentType(ContentType.JSON).body("{\"inputs\": [").post("/v2/models/demo/infer")
                .then().statusCode(400).extract().asString()), "not valid JSON");
        assertError(JSON.readTree(given().contentType(ContentType.JSON).body(request("UINT8", false, true).toString())
                .post("/v2/models/nope/infer").then().statusCode(404).extract().asString()), "unknown model");

        given().contentType(ContentType.JSON).body("{\"parameters\": {\"mouse\": \"demo-mouse-1\"}, \"inputs\": ["
                + "{\"name\": \"video\", \"datatype\": \"FP32\", \"shape\": [36, 64, 1], \"data\": " + zeros(36 * 64) + "}]}")
                .post("/v2/models/demo/infer").then().statusCode(422).body("error", containsString("at least 31"))
                .body("$", org.hamcrest.Matchers.aMapWithSize(1));
    }

    static String zeros(int n) {
        return "[" + "0,".repeat(n - 1) + "0]";
    }

    static void assertError(JsonNode body, String expected) {
        assertEquals(Set.of("error"), fields(body), body.toString());
        assertTrue(body.get("error").asText().contains(expected), body.toString());
    }

    @Test
    void metadataListsThreeInputs() {
        given().get("/v2/models/demo").then().statusCode(200).body("inputs", hasSize(3))
                .body("inputs[1].name", equalTo("behavior"));
    }
}
