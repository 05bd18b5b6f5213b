package dwiseneuro.serve.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dwiseneuro.serve.Readiness;
import dwiseneuro.serve.media.NpyArray;
import dwiseneuro.serve.media.NpyReader;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

@QuarkusTest
class MiceResourceTest {

    private static final ClipFiles CLIP = ClipFiles.sample(40, 0);

    @BeforeEach
    void ready() {
        Readiness.awaitReady();
    }

    private static RequestSpecification upload(ClipFiles clip) {
        return given().multiPart("video", "video.npy", clip.video, "application/octet-stream")
                .multiPart("behavior", "behavior.npy", clip.behavior, "application/octet-stream")
                .multiPart("pupil_center", "pupil_center.npy", clip.pupilCenter, "application/octet-stream");
    }

    static float[] npy(String mouse, ClipFiles clip) {
        Response response = upload(clip).accept("application/x-npy").post("/v1/mice/" + mouse + "/responses");
        response.then().statusCode(200).contentType("application/x-npy");
        NpyArray array = NpyReader.read("responses", response.asByteArray());
        assertEquals("float32", array.dtype());
        return array.data();
    }

    @Test
    void listsTheMiceOfTheDemoEnsemble() {
        given().get("/v1/mice").then().statusCode(200)
                .body("$", hasSize(2))
                .body("[0].id", equalTo("demo-mouse-1"))
                .body("[0].neurons", equalTo(37))
                .body("[1].id", equalTo("demo-mouse-2"))
                .body("[1].neurons", equalTo(52));
    }

    @Test
    void jsonAndNpyCarryTheSameResponses() {
        Response json = upload(CLIP).post("/v1/mice/demo-mouse-1/responses");
        json.then().statusCode(200).contentType("application/json")
                .body("mouse", equalTo("demo-mouse-1"))
                .body("neurons", equalTo(37))
                .body("frames", equalTo(40))
                .body("fps", equalTo(30))
                .body("members", equalTo(4))
                .body("responses", hasSize(37))
                .body("responses[0]", hasSize(40));
        List<List<Float>> rows = json.jsonPath().getList("responses");
        float[] fromNpy = npy("demo-mouse-1", CLIP);
        assertEquals(37 * 40, fromNpy.length);
        for (int n = 0; n < 37; n++) {
            for (int t = 0; t < 40; t++) {
                float value = fromNpy[n * 40 + t];
                assertTrue(Float.isFinite(value) && value > 0, "softplus outputs are positive: " + value);
                assertEquals(value, rows.get(n).get(t).floatValue(), 0f);
            }
        }
    }

    @Test
    void nanPaddingIsCutBeforeAnythingElse() {
        float[] plain = npy("demo-mouse-2", CLIP);
        float[] padded = npy("demo-mouse-2", ClipFiles.sample(40, 17));
        assertEquals(52 * 40, padded.length);
        assertArrayEquals(plain, padded);
    }

    @Test
    void concurrentClipsOfBothMiceShareBatchesAndKeepTheirNumbers() {
        float[] mouse1 = npy("demo-mouse-1", CLIP);
        float[] mouse2 = npy("demo-mouse-2", ClipFiles.sample(45, 0));
        List<CompletableFuture<float[]>> futures = List.of(
                CompletableFuture.supplyAsync(() -> npy("demo-mouse-1", CLIP)),
                CompletableFuture.supplyAsync(() -> npy("demo-mouse-2", ClipFiles.sample(45, 0))),
                CompletableFuture.supplyAsync(() -> npy("demo-mouse-1", CLIP)));
        float[][] results = futures.stream().map(CompletableFuture::join).toArray(float[][]::new);
        assertClose(mouse1, results[0]);
        assertClose(mouse2, results[1]);
        assertClose(mouse1, results[2]);
    }

    /** Batch composition changes the order of float sums in the convolutions, nothing more. */
    private static void assertClose(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        float max = 0;
        float diff = 0;
        for (int i = 0; i < expected.length; i++) {
            max = Math.max(max, Math.abs(expected[i]));
            diff = Math.max(diff, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(diff / max < 1e-5, "relative difference " + diff / max);
    }

    @Test
    void clientErrorsAreProblemJson() {
        upload(CLIP).post("/v1/mice/no-such-mouse/responses").then().statusCode(404)
                .contentType("application/problem+json").body("status", equalTo(404))
                .body("detail", containsString("no-such-mouse"));
        given().multiPart("video", "video.npy", CLIP.video, "application/octet-stream")
                .post("/v1/mice/demo-mouse-1/responses").then().statusCode(400)
                .contentType("application/problem+json").body("detail", containsString("missing part 'behavior'"));
        given().multiPart("video", "video.npy", "hello".getBytes(), "application/octet-stream")
                .multiPart("behavior", "behavior.npy", CLIP.behavior, "application/octet-stream")
                .multiPart("pupil_center", "pupil_center.npy", CLIP.pupilCenter, "application/octet-stream")
                .post("/v1/mice/demo-mouse-1/responses").then().statusCode(400)
                .contentType("application/problem+json").body("detail", containsString("not a .npy file"));
        ClipFiles shortClip = ClipFiles.sample(30, 0);
        upload(shortClip).post("/v1/mice/demo-mouse-1/responses").then().statusCode(422)
                .contentType("application/problem+json").body("detail", containsString("at least 31"));
        ClipFiles longer = ClipFiles.sample(41, 0);
        given().multiPart("video", "video.npy", CLIP.video, "application/octet-stream")
                .multiPart("behavior", "behavior.npy", longer.behavior, "application/octet-stream")
                .multiPart("pupil_center", "pupil_center.npy", CLIP.pupilCenter, "application/octet-stream")
                .post("/v1/mice/demo-mouse-1/responses").then().statusCode(422)
                .body("detail", containsString("behavior must have shape (2, 40)"));
        upload(CLIP).multiPart("extra", "x.npy", CLIP.behavior, "application/octet-stream")
                .post("/v1/mice/demo-mouse-1/responses").then().statusCode(400)
                .body("detail", containsString("unknown part 'extra'"));
        given().contentType("text/plain").body("hello").post("/v1/mice/demo-mouse-1/responses").then().statusCode(415)
                .contentType("application/problem+json");
        String tooLarge = rawPost("/v1/mice/demo-mouse-1/responses", 999_999_999_999L);
        assertTrue(tooLarge.startsWith("HTTP/1.1 413"), tooLarge);
        assertTrue(tooLarge.contains("application/problem+json") && tooLarge.contains("accepts at most"), tooLarge);
        // After all that, the service still answers correctly.
        float[] again = npy("demo-mouse-1", CLIP);
        assertEquals(37 * 40, again.length);
    }

    /** Declares a body length without sending the body (HTTP clients refuse to lie about it). */
    private static String rawPost(String path, long declaredLength) {
        try (Socket socket = new Socket("localhost", RestAssured.port)) {
            socket.setSoTimeout(10_000);
            String request = "POST " + path + " HTTP/1.1\r\nHost: localhost\r\n"
                    + "Content-Type: multipart/form-data; boundary=x\r\nContent-Length: " + declaredLength + "\r\n\r\n";
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            // Read until the server hangs up or the declared response body is complete.
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            byte[] buffer = new byte[4096];
            for (int n; (n = socket.getInputStream().read(buffer)) > 0; ) {
                received.write(buffer, 0, n);
                String text = received.toString(StandardCharsets.UTF_8);
                int headerEnd = text.indexOf("\r\n\r\n");
                java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?i)content-length: (\\d+)").matcher(text);
                if (headerEnd > 0 && length.find() && text.length() >= headerEnd + 4 + Integer.parseInt(length.group(1))) {
                    break;
                }
            }
            return received.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void metricsAndOpenApiAreServed() {
        npy("demo-mouse-1", CLIP);
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        for (String name : List.of("http_server_requests_seconds_bucket", "dwiseneuro_batch_windows_count",
                "dwiseneuro_queue_wait_seconds_bucket", "dwiseneuro_batch_seconds_bucket{member=\"demo-fold_3\"",
                "dwiseneuro_queue_windows", "dwiseneuro_windows_total", "dwiseneuro_rejected_total{reason=\"queue_full\"")) {
            assertTrue(metrics.contains(name), "metric missing: " + name);
        }
        given().get("/q/openapi?format=json").then().statusCode(200)
                .body("paths.'/v1/mice/{id}/responses'.post.requestBody.content.'multipart/form-data'.schema", notNullValue())
                .body("paths.'/v1/mice/{id}/responses'.post.responses.'422'", notNullValue());
        given().get("/q/swagger-ui/").then().statusCode(200);
    }
}
