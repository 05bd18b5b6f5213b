package dwiseneuro.serve.api.v2;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dwiseneuro.serve.Readiness;
import dwiseneuro.serve.api.MediaClips;
import dwiseneuro.serve.api.StatsEnsembleProfile;
import dwiseneuro.serve.media.NpyArray;
import dwiseneuro.serve.testing.RawHttp;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.ExtractableResponse;

/**
 * The binary tensor data extension and the versioned paths of the Open Inference Protocol over HTTP:
 * binary inputs and outputs give exactly the numbers of the JSON request, the framing is the protocol's
 * (Inference-Header-Content-Length, binary_data_size, application/octet-stream), bad framing is a 400
 * {"error"} and the server keeps serving.
 */
@QuarkusTest
@TestProfile(StatsEnsembleProfile.class)
class BinaryTensorDataTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final int FRAMES = 33;
    static final int NEURONS = StatsEnsembleProfile.NEURONS;

    @TestHTTPResource("/")
    URL url;

    @BeforeEach
    void ready() {
        Readiness.awaitReady();
    }

    /** A request for the first FRAMES frames of the sample: JSON header and the bytes after it. */
    record Binary(ObjectNode header, byte[] data) {
        byte[] body() {
            byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
            byte[] body = Arrays.copyOf(json, json.length + data.length);
            System.arraycopy(data, 0, body, json.length, data.length);
            return body;
        }

        int headerLength() {
            return header.toString().getBytes(StandardCharsets.UTF_8).length;
        }
    }

    /** video as binary UINT8, behavior as binary FP32, pupil_center as binary FP64 (little-endian, row-major). */
    static Binary binaryRequest(Boolean binaryOutput) {
        NpyArray video = MediaClips.cut("video", FRAMES);
        NpyArray behavior = MediaClips.cut("behavior", FRAMES);
        NpyArray pupil = MediaClips.cut("pupil_center", FRAMES);
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (float v : video.data()) {
            data.write(Math.round(v));
        }
        ByteBuffer fp32 = ByteBuffer.allocate(behavior.data().length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : behavior.data()) {
            fp32.putFloat(v);
        }
        data.writeBytes(fp32.array());
        ByteBuffer fp64 = ByteBuffer.allocate(pupil.data().length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : pupil.data()) {
            fp64.putDouble(v);
        }
        data.writeBytes(fp64.array());

        ObjectNode header = JSON.createObjectNode();
        header.put("id", "binary-1");
        header.putObject("parameters").put("mouse", "demo-mouse-1");
        ArrayNode inputs = header.putArray("inputs");
        input(inputs, "video", "UINT8", List.of(36, 64, FRAMES), 36 * 64 * FRAMES);
        input(inputs, "behavior", "FP32", List.of(2, FRAMES), 2 * FRAMES * 4);
        input(inputs, "pupil_center", "FP64", List.of(2, FRAMES), 2 * FRAMES * 8);
        ObjectNode output = header.putArray("outputs").addObject().put("name", "responses");
        if (binaryOutput != null) {
            output.putObject("parameters").put("binary_data", binaryOutput);
        }
        return new Binary(header, data.toByteArray());
    }

    static void input(ArrayNode inputs, String name, String datatype, List<Integer> shape, long bytes) {
        ObjectNode input = inputs.addObject().put("name", name).put("datatype", datatype);
        ArrayNode dims = input.putArray("shape");
        shape.forEach(dims::add);
        input.putObject("parameters").put("binary_data_size", bytes);
    }

    static ExtractableResponse<io.restassured.response.Response> post(String path, Binary request, int status) {
        return given().contentType(ContentType.BINARY).header(BinaryTensors.HEADER, request.headerLength())
                .body(request.body()).post(path).then().statusCode(status).extract();
    }

    /** The responses of the same clip through the JSON request of InferenceProtocolTest (JSON in, JSON out). */
    static float[] jsonReference() throws IOException {
        JsonNode response = InferenceProtocolTest.infer(InferenceProtocolTest.request("UINT8", false, true), 200);
        return InferenceProtocolTest.floats(response.get("outputs").get(0).get("data"));
    }

    /** Splits a binary response at its Inference-Header-Content-Length: the JSON and the FP32 values. */
    static float[] binaryOutput(ExtractableResponse<io.restassured.response.Response> response, JsonNode[] header) throws IOException {
        assertTrue(response.contentType().startsWith("application/octet-stream"), response.contentType());
        byte[] body = response.asByteArray();
        int length = Integer.parseInt(response.header(BinaryTensors.HEADER));
        header[0] = JSON.readTree(new String(body, 0, length, StandardCharsets.UTF_8));
        JsonNode output = header[0].get("outputs").get(0);
        assertFalse(output.has("data"), output.toString());
        int size = output.get("parameters").get("binary_data_size").asInt();
        assertEquals(NEURONS * FRAMES * 4, size);
        assertEquals(length + size, body.length, "Content-Length = JSON + binary data");
        float[] values = new float[size / 4];
        ByteBuffer.wrap(body, length, size).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        return values;
    }

    @Test
    void binaryInputsAndOutputsCarryTheJsonRequestsNumbers() throws IOException {
        float[] reference = jsonReference();

        JsonNode[] header = new JsonNode[1];
        float[] binary = binaryOutput(post("/v2/models/demo/infer", binaryRequest(true), 200), header);
        assertArrayEquals(reference, binary, 0f);
        JsonNode output = header[0].get("outputs").get(0);
        assertEquals("responses", output.get("name").asText());
        assertEquals("FP32", output.get("datatype").asText());
        assertEquals("[" + NEURONS + "," + FRAMES + "]", output.get("shape").toString());
        assertEquals("binary-1", header[0].get("id").asText());
        System.out.printf("binary response: %d bytes of FP32 after the JSON, first values %s (JSON: %s)%n",
                binary.length * 4, Arrays.toString(Arrays.copyOf(binary, 3)), Arrays.toString(Arrays.copyOf(reference, 3)));

        // binary inputs, JSON output (the default): the same numbers as JSON
        ExtractableResponse<io.restassured.response.Response> json = post("/v2/models/demo/infer", binaryRequest(null), 200);
        assertTrue(json.contentType().startsWith("application/json"), json.contentType());
        assertNull(json.header(BinaryTensors.HEADER));
        assertArrayEquals(reference, InferenceProtocolTest.floats(JSON.readTree(json.asString()).get("outputs").get(0).get("data")), 0f);
    }

    @Test
    void binaryDataOutputAskedForTheWholeRequestAndOverriddenPerOutput() throws IOException {
        float[] reference = jsonReference();
        ObjectNode request = InferenceProtocolTest.request("UINT8", false, true);
        ((ObjectNode) request.get("parameters")).put("binary_data_output", true);
        ExtractableResponse<io.restassured.response.Response> binary = given().contentType(ContentType.JSON).body(request.toString())
                .post("/v2/models/demo/infer").then().statusCode(200).extract();
        assertArrayEquals(reference, binaryOutput(binary, new JsonNode[1]), 0f);

        ((ObjectNode) request.get("outputs").get(0)).putObject("parameters").put("binary_data", false);
        JsonNode json = InferenceProtocolTest.infer(request, 200);
        assertArrayEquals(reference, InferenceProtocolTest.floats(json.get("outputs").get(0).get("data")), 0f);

        // no outputs listed: binary_data_output applies to every output (what tritonclient sends)
        request.remove("outputs");
        binary = given().contentType(ContentType.JSON).body(request.toString())
                .post("/v2/models/demo/infer").then().statusCode(200).extract();
        assertArrayEquals(reference, binaryOutput(binary, new JsonNode[1]), 0f);
    }

    @Test
    void aBodyWithoutContentTypeIsRead() throws Exception {
        // tritonclient's HTTP client posts the body with Inference-Header-Content-Length and no Content-Type
        Binary request = binaryRequest(true);
        RawHttp.Response response = RawHttp.exchange(url.toURI(), "POST", "/v2/models/demo/versions/1/infer",
                Map.of(BinaryTensors.HEADER, Integer.toString(request.headerLength())), request.body(), false, Duration.ofSeconds(60));
        assertEquals(200, response.status(), response.text());
        assertEquals("application/octet-stream", response.header("Content-Type"));
        int length = Integer.parseInt(response.header(BinaryTensors.HEADER));
        JsonNode header = JSON.readTree(new String(response.body(), 0, length, StandardCharsets.UTF_8));
        assertEquals("1", header.get("model_version").asText());
        float[] values = new float[NEURONS * FRAMES];
        ByteBuffer.wrap(response.body(), length, values.length * 4).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        assertArrayEquals(jsonReference(), values, 0f);
    }

    @Test
    void versionedPathsServeTheListedVersionAnd404Others() throws IOException {
        JsonNode metadata = InferenceProtocolTest.get("/v2/models/demo", 200);
        assertEquals("[\"1\"]", metadata.get("versions").toString());
        for (JsonNode version : metadata.get("versions")) {
            String base = "/v2/models/demo/versions/" + version.asText();
            assertEquals(metadata, InferenceProtocolTest.get(base, 200));
            JsonNode ready = InferenceProtocolTest.get(base + "/ready", 200);
            assertTrue(ready.get("ready").asBoolean());
            JsonNode response = JSON.readTree(given().contentType(ContentType.JSON)
                    .body(InferenceProtocolTest.request("UINT8", false, true).toString())
                    .post(base + "/infer").then().statusCode(200).extract().asString());
            assertEquals(version.asText(), response.get("model_version").asText());
            assertArrayEquals(jsonReference(), InferenceProtocolTest.floats(response.get("outputs").get(0).get("data")), 0f);
        }
        InferenceProtocolTest.assertError(InferenceProtocolTest.get("/v2/models/demo/versions/2", 404), "unknown version '2'");
        InferenceProtocolTest.assertError(InferenceProtocolTest.get("/v2/models/demo/versions/2/ready", 404), "unknown version '2'");
        InferenceProtocolTest.assertError(JSON.readTree(given().contentType(ContentType.JSON)
                .body(InferenceProtocolTest.request("UINT8", false, true).toString())
                .post("/v2/models/demo/versions/2/infer").then().statusCode(404).contentType(ContentType.JSON).extract().asString()),
                "unknown version '2'");
        InferenceProtocolTest.assertError(InferenceProtocolTest.get("/v2/models/nope/versions/1", 404), "unknown model 'nope'");
        JsonNode server = InferenceProtocolTest.get("/v2", 200);
        assertTrue(server.get("extensions").toString().contains("\"binary_tensor_data\""), server.toString());
    }

    @Test
    void badBinaryRequestsAre400AndTheServerKeepsServing() throws IOException {
        float[] reference = jsonReference();
        Binary good = binaryRequest(true);

        ObjectNode wrongSize = good.header().deepCopy();
        ((ObjectNode) wrongSize.get("inputs").get(1).get("parameters")).put("binary_data_size", 2 * FRAMES * 4 - 4);
        assertBad(new Binary(wrongSize, good.data()), null, "input 'behavior': binary_data_size is " + (2 * FRAMES * 4 - 4)
                + " bytes, but shape [2, " + FRAMES + "] of FP32 is " + (2 * FRAMES * 4) + " bytes");

        assertBad(good, good.body().length + 1, BinaryTensors.HEADER + " is " + (good.body().length + 1)
                + " bytes but the body has only " + good.body().length);
        assertBad(good, good.headerLength() - 5, "are not a JSON object");
        assertBad(new Binary(good.header(), Arrays.copyOf(good.data(), good.data().length - 3)), null,
                "input 'pupil_center': the body ends inside its binary data, after " + (2 * FRAMES * 8 - 3));
        assertBad(new Binary(good.header(), Arrays.copyOf(good.data(), good.data().length + 5)), null,
                "5 bytes follow the binary tensor data");

        ObjectNode strings = good.header().deepCopy();
        ((ObjectNode) strings.get("inputs").get(1)).put("datatype", "BYTES");
        assertBad(new Binary(strings, good.data()), null, "datatype BYTES is not supported as binary data");

        String noHeader = given().contentType(ContentType.BINARY).body(good.body()).post("/v2/models/demo/infer")
                .then().statusCode(400).contentType(ContentType.JSON).extract().asString();
        InferenceProtocolTest.assertError(JSON.readTree(noHeader), "no " + BinaryTensors.HEADER + " header");
        String badHeader = given().contentType(ContentType.BINARY).header(BinaryTensors.HEADER, "12kB").body(good.body())
                .post("/v2/models/demo/infer").then().statusCode(400).extract().asString();
        InferenceProtocolTest.assertError(JSON.readTree(badHeader), "must be the length of the JSON object in bytes, got '12kB'");

        assertArrayEquals(reference, binaryOutput(post("/v2/models/demo/infer", good, 200), new JsonNode[1]), 0f);
    }

    static void assertBad(Binary request, Integer headerLength, String expected) throws IOException {
        String body = given().contentType(ContentType.BINARY)
                .header(BinaryTensors.HEADER, headerLength == null ? request.headerLength() : headerLength)
                .body(request.body()).post("/v2/models/demo/infer")
                .then().statusCode(400).contentType(ContentType.JSON).extract().asString();
        InferenceProtocolTest.assertError(JSON.readTree(body), expected);
    }
}
