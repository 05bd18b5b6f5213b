package dwiseneuro.serve.experiments.mei;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dwiseneuro.serve.media.NpyArray;
import dwiseneuro.serve.media.NpyReader;
import dwiseneuro.serve.testing.NpyBytes;
import dwiseneuro.serve.testing.NpzBytes;
import dwiseneuro.serve.testing.OpenApiExamples;
import dwiseneuro.serve.testing.SampleClip;
import dwiseneuro.serve.testing.ServiceHealth;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;

/**
 * most_exciting jobs on the bundled demo ensemble over HTTP: an MEV compared with a natural clip, and a
 * masked MEI, finish with their files (result.npz video in 0..255, .npy, .mp4, PNG frames, plots), the
 * responses of every neuron, and progress 1.
 */
@QuarkusTest
class DemoMostExcitingTest {

    private static final String MOUSE = "demo-mouse-1";

    @TestHTTPResource("/")
    URL url;

    private static JsonPath run(String spec) {
        return MeiJobs.finish(MeiJobs.start(MOUSE, spec), Duration.ofMinutes(5));
    }

    private static String behavior() {
        return "\"behavior\": [29.3, 1.3], \"pupil_center\": [151.8, 149.3]";
    }

    @Test
    void theOpenApiExampleRunsAsItIs() {
        // What Swagger UI's "Try it out" posts for most_exciting.
        JsonPath job = run(OpenApiExamples.experimentSpec("most_exciting").toString());
        JsonPath result = given().get("/v1/experiments/" + job.getString("id") + "/result").then().statusCode(200)
                .extract().jsonPath();
        float first = result.getFloat("objective_trace[0][0]");    // steps x starts
        System.out.println("OpenAPI most_exciting example: objective " + first + " -> " + result.getFloat("best_objective"));
        assertTrue(result.getFloat("best_objective") > first, "the MEI drives its neuron harder than its start");
    }

    @Test
    void anMevComparedWithANaturalClipFinishesWithItsFiles() throws Exception {
        ServiceHealth.awaitUp(url.toURI(), Duration.ofMinutes(3));
        String natural = Base64.getEncoder().encodeToString(NpyBytes.float32(SampleClip.videoValues(40), 36, 64, 40));
        JsonPath job = run("{\"type\": \"most_exciting\", \"neurons\": [2, 4], \"kind\": \"mev\", \"length\": 32, "
                + "\"steps\": 4, \"starts\": 2, \"natural\": [\"" + natural + "\"], " + behavior() + "}");
        String id = job.getString("id");
        JsonPath result = given().get("/v1/experiments/" + id + "/result").jsonPath();
        System.out.printf("demo MEV: objective %.4f (natural clip %.4f), trace %s, %.2f steps/s%n",
                result.getDouble("best_objective"), result.getDouble("natural.best_objective"),
                result.getList("objective_trace"), result.getDouble("steps_per_second"));
        Map<String, NpyArray> npz = NpzBytes.read(given().get("/v1/experiments/" + id + "/result.npz").asByteArray());
        NpyArray video = npz.get("video");
        assertEquals("(36, 64, 32)", video.shapeText());
        for (float v : video.data()) {
            assertTrue(v >= 0 && v <= 255, "pixel " + v);
        }
        assertEquals("(37, 32)", npz.get("responses").shapeText());
        assertEquals("(2, 36, 64, 32)", npz.get("start_videos").shapeText());
        assertEquals("(4, 2)", npz.get("objective_trace").shapeText());
        assertEquals(result.getDouble("best_objective"), result.getDouble("objective_check"),
                1e-4 * Math.abs(result.getDouble("objective_check")));
        assertEquals(1, result.getList("natural.objective").size());
        List<String> files = result.getList("files");
        assertEquals(2 + 32, files.size(), files.toString());
        assertTrue(files.containsAll(List.of("best.npy", "best.mp4", "frame_000.png", "frame_031.png")), files.toString());
        NpyArray npy = NpyReader.read("best.npy", given().get("/v1/experiments/" + id + "/files/best.npy").asByteArray());
        assertTrue(java.util.Arrays.equals(video.data(), npy.data()));
        assertEquals(200, given().get("/v1/experiments/" + id + "/files/best.mp4").statusCode());
        assertEquals(200, given().get("/v1/experiments/" + id + "/plots/objective.png").statusCode());
        assertEquals(404, given().get("/v1/experiments/" + id + "/files/nothing.npy").statusCode());
    }

    @Test
    void interactiveRequestsAreAnsweredExactlyWhileAJobRunsAndTheJobCancels() throws Exception {
        ServiceHealth.awaitUp(url.toURI(), Duration.ofMinutes(3));
        long before = System.nanoTime();
        byte[] reference = responses();
        double alone = (System.nanoTime() - before) / 1e9;
        String id = MeiJobs.start(MOUSE, "{\"type\": \"most_exciting\", \"neurons\": [1], \"steps\": 2000, \"starts\": 4, "
                + behavior() + "}");
        long end = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (given().get("/v1/experiments/" + id).jsonPath().getLong("windows_done") == 0) {
            assertTrue(System.nanoTime() < end, "the job made no progress");
            Thread.sleep(100);
        }
        long start = System.nanoTime();
        byte[] during = responses();
        System.out.printf("a /responses request while a most_exciting job runs: %.2f s (alone %.2f s)%n",
                (System.nanoTime() - start) / 1e9, alone);
        assertTrue(java.util.Arrays.equals(reference, during), "a request answered while the job ran changed");
        assertEquals("running", given().get("/v1/experiments/" + id).jsonPath().getString("state"));
        assertEquals(200, given().delete("/v1/experiments/" + id).statusCode());
        JsonPath cancelled = given().get("/v1/experiments/" + id).jsonPath();
        assertEquals("cancelled", cancelled.getString("state"), cancelled.prettify());
        assertTrue(java.util.Arrays.equals(reference, responses()), "the service goes on serving after the cancel");
    }

    /** The sample clip's first 60 frames through /responses, as .npy bytes. */
    private static byte[] responses() {
        Response response = given().accept("application/x-npy")
                .multiPart("video", "video.npy", SampleClip.part("video", 60))
                .multiPart("behavior", "behavior.npy", SampleClip.part("behavior", 60))
                .multiPart("pupil_center", "pupil_center.npy", SampleClip.part("pupil_center", 60))
                .post("/v1/mice/" + MOUSE + "/responses");
        assertEquals(200, response.statusCode(), response.asString());
        return response.asByteArray();
    }

    @Test
    void aMaskedMeiHoldsTheMeanLuminanceOutsideTheMask() throws Exception {
        ServiceHealth.awaitUp(url.toURI(), Duration.ofMinutes(3));
        JsonPath job = run("{\"type\": \"most_exciting\", \"neurons\": [0], \"length\": 31, \"steps\": 3, \"starts\": 1, "
                + "\"optimizer\": \"sgd\", \"mask\": {\"center_px\": [20, 18], \"radius_deg\": 25}, " + behavior() + "}");
        String id = job.getString("id");
        NpyArray video = NpzBytes.read(given().get("/v1/experiments/" + id + "/result.npz").asByteArray()).get("video");
        // Top-right corner pixel: far outside a 25-degree circle around the left half's centre.
        for (int t = 0; t < 31; t++) {
            assertEquals(127.5f, video.data()[(0 * 64 + 63) * 31 + t], 1e-4);
        }
        JsonPath result = given().get("/v1/experiments/" + id + "/result").jsonPath();
        assertEquals(List.of("best.npy", "best.mp4", "mei.png"), result.getList("files"));
        assertTrue(result.getString("mean_luminance_source").startsWith("middle gray"), result.prettify());
    }
}
