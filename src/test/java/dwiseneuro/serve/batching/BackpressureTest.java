package dwiseneuro.serve.batching;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dwiseneuro.serve.Readiness;
import dwiseneuro.serve.api.ClipFiles;
import dwiseneuro.serve.media.NpyReader;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/** A small queue (40 windows) under a burst of 4x its capacity, and deadlines. */
@QuarkusTest
@TestProfile(BackpressureTest.SmallQueue.class)
class BackpressureTest {

    public static class SmallQueue implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("dwiseneuro.batching.queue-capacity", "40",
                    "dwiseneuro.batching.max-batch", "8");
        }
    }

    private static final ClipFiles CLIP = ClipFiles.sample(40, 0);  // 10 windows

    @BeforeEach
    void ready() {
        Readiness.awaitReady();
    }

    private static Response post(String query) {
        return given().multiPart("video", "video.npy", CLIP.video, "application/octet-stream")
                .multiPart("behavior", "behavior.npy", CLIP.behavior, "application/octet-stream")
                .multiPart("pupil_center", "pupil_center.npy", CLIP.pupilCenter, "application/octet-stream")
                .accept("application/x-npy")
                .post("/v1/mice/demo-mouse-1/responses" + query);
    }

    @Test
    void aBurstOfFourTimesTheQueueGetsOnly200Or429AndCorrectResults() {
        float[] reference = NpyReader.read("r", post("").then().statusCode(200).extract().asByteArray()).data();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<CompletableFuture<Response>> burst = new ArrayList<>();
            for (int i = 0; i < 16; i++) {  // 160 windows against a queue of 40
                burst.add(CompletableFuture.supplyAsync(() -> post(""), pool));
            }
            int accepted = 0;
            int refused = 0;
            for (CompletableFuture<Response> future : burst) {
                Response response = future.join();
                int status = response.statusCode();
                if (status == 200) {
                    accepted++;
                    float[] values = NpyReader.read("r", response.asByteArray()).data();
                    assertEquals(reference.length, values.length);
                    for (int i = 0; i < values.length; i++) {
                        assertEquals(reference[i], values[i], Math.abs(reference[i]) * 1e-5f);
                    }
                } else {
                    assertEquals(429, status, response.asString());
                    refused++;
                    assertTrue(Integer.parseInt(response.header("Retry-After")) >= 1);
                    assertTrue(response.contentType().startsWith("application/problem+json"));
                    assertTrue(response.asString().contains("queue is full"), response.asString());
                }
            }
            assertTrue(accepted >= 4, "the queue holds 4 clips: " + accepted + " accepted");
            assertTrue(refused > 0, "16 clips of 10 windows cannot all fit in 40 windows");
            String metrics = given().get("/q/metrics").asString();
            assertTrue(metrics.contains("dwiseneuro_rejected_total{reason=\"queue_full\"}"), metrics);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aRequestPastItsDeadlineIsAnswered504AndItsRemainingWindowsDropped() {
        post("?timeout_ms=1").then().statusCode(504).contentType("application/problem+json")
                .body("detail", containsString("deadline"));
        given().multiPart("video", "video.npy", CLIP.video, "application/octet-stream")
                .multiPart("behavior", "behavior.npy", CLIP.behavior, "application/octet-stream")
                .multiPart("pupil_center", "pupil_center.npy", CLIP.pupilCenter, "application/octet-stream")
                .header("X-Request-Timeout-Ms", "1")
                .post("/v1/mice/demo-mouse-1/responses").then().statusCode(504);
        post("?timeout_ms=0").then().statusCode(400);
        post("").then().statusCode(200);
    }
}
