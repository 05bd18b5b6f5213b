package dwiseneuro.serve.experiments.jobs;

import static dwiseneuro.serve.experiments.jobs.ExperimentApi.MOUSE;
import static dwiseneuro.serve.experiments.jobs.ExperimentApi.await;
import static dwiseneuro.serve.experiments.jobs.ExperimentApi.awaitFinished;
import static dwiseneuro.serve.experiments.jobs.ExperimentApi.awaitProgress;
import static dwiseneuro.serve.experiments.jobs.ExperimentApi.job;
import static dwiseneuro.serve.experiments.jobs.ExperimentApi.metric;
import static dwiseneuro.serve.experiments.jobs.ExperimentApi.post;
import static dwiseneuro.serve.experiments.jobs.ExperimentApi.start;
import static dwiseneuro.serve.experiments.jobs.ExperimentApi.steps;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dwiseneuro.serve.Readiness;
import dwiseneuro.serve.media.NpyArray;
import dwiseneuro.serve.media.NpyReader;
import dwiseneuro.serve.media.NpyWriter;
import dwiseneuro.serve.media.VideoDecoder;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;

/**
 * Experiment jobs end to end over HTTP on the demo ensemble, with a real experiment type of the tests
 * (LuminanceSteps): lifecycle, results (JSON equal to the interactive path's numbers, .npz, plot,
 * stimuli), cancel, the job limit's 429, bad specs, and interactive requests served while a job runs.
 */
@QuarkusTest
@TestProfile(ExperimentJobsTest.Limits.class)
class ExperimentJobsTest {

    /** One job at a time and one waiting; small batches, so that interactive and background windows interleave. */
    public static class Limits implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("dwiseneuro.experiments.results-dir", RESULTS,
                    "dwiseneuro.experiments.concurrent-jobs", "1",
                    "dwiseneuro.experiments.queued-jobs", "1",
                    "dwiseneuro.experiments.windows-in-flight", "24",
                    "dwiseneuro.experiments.max-windows", "1000000",
                    "dwiseneuro.batching.max-batch", "4",
                    "dwiseneuro.batching.max-delay", "1ms",
                    "dwiseneuro.batching.log-interval", "2s");
        }
    }

    private static final int FRAMES = 40;   // 10 windows per clip
    private static final int ONSET = 10;
    private static final Duration LONG = Duration.ofMinutes(3);

    @BeforeEach
    void ready() {
        ExperimentApi.patientHttp();
        Readiness.awaitReady();
    }

    @AfterEach
    void freeTheSlots() {
        ExperimentApi.cancelActive();
    }

    @Test
    void aJobRunsToDoneAndItsResultEqualsTheInteractivePath() throws IOException {
        int[] levels = {0, 128, 255};
        String id = start(steps(FRAMES, 2, levels));
        JsonPath done = awaitFinished(id, LONG);
        assertEquals("done", done.getString("state"), done.prettify());
        assertEquals(2 * 3 * 10, done.getLong("windows_total"));
        assertEquals(done.getLong("windows_total"), done.getLong("windows_done"));
        assertEquals(1.0, done.getDouble("progress"));
        assertEquals("luminance_steps", done.getString("type"));
        assertEquals(MOUSE, done.getString("mouse"));
        for (String time : List.of("created", "started", "finished")) {
            assertNotNull(done.getString(time), time);
        }
        assertTrue(done.getList("log").stream().anyMatch(l -> l.toString().contains("done: 60 windows")), done.prettify());
        assertTrue(given().get("/v1/experiments").jsonPath().<String>getList("id").contains(id));

        // The job's numbers are the interactive path's: each level's clip posted to /responses, averaged from the onset.
        JsonPath result = given().get(done.getString("links.result")).then().statusCode(200).extract().jsonPath();
        List<List<Float>> mean = result.getList("mean_response");
        int neurons = given().get("/v1/mice").jsonPath().getInt("find { it.id == '" + MOUSE + "' }.neurons");
        assertEquals(neurons, mean.size());
        for (int k = 0; k < levels.length; k++) {
            float[] reference = interactiveMean(levels[k], neurons);
            for (int n = 0; n < neurons; n++) {
                assertEquals(reference[n], mean.get(n).get(k), 1e-4f * Math.max(1, Math.abs(reference[n])), "neuron " + n + " level " + levels[k]);
            }
            System.out.printf("level %3d: neuron 0 mean response %.5f (job) vs %.5f (interactive)%n", levels[k], mean.get(0).get(k), reference[0]);
        }

        Response npz = given().get(done.getString("links.result_npz")).then().statusCode(200).extract().response();
        assertTrue(npz.header("Content-Disposition").contains(".npz"));
        Map<String, NpyArray> arrays = npz(npz.asByteArray());
        assertEquals(List.of("mean_response"), List.copyOf(arrays.keySet()));
        NpyArray array = arrays.get("mean_response");
        assertEquals(neurons, array.dim(0));
        assertEquals(levels.length, array.dim(1));
        for (int n = 0; n < neurons; n++) {
            for (int k = 0; k < levels.length; k++) {
                assertEquals(mean.get(n).get(k), array.data()[n * levels.length + k], 1e-6f);
            }
        }

        assertEquals(List.of("mean_response.png"), done.getList("plots"));
        byte[] png = given().get(done.getString("links.plots.'mean_response.png'")).then().statusCode(200)
                .contentType("image/png").extract().asByteArray();
        assertTrue(ImageIO.read(new ByteArrayInputStream(png)).getWidth() > 100);
        given().get("/v1/experiments/" + id + "/plots/nothing.png").then().statusCode(404).contentType("application/problem+json");
        given().get("/v1/experiments/" + id + "/plots/..%2Fjob.json").then().statusCode(404);
    }

    @Test
    void theStimuliDownloadAsNpyAndMp4() throws IOException {
        String id = start(steps(FRAMES, 1, 30, 200));
        JsonPath stimuli = given().get("/v1/experiments/" + id + "/stimuli").then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("level_000", "level_001"), stimuli.getList("name"));
        byte[] npy = given().get(stimuli.getString("[1].npy")).then().statusCode(200).extract().asByteArray();
        NpyArray video = NpyReader.read("stimulus", npy);
        assertArrayEquals(new int[] {36, 64, FRAMES}, new int[] {video.dim(0), video.dim(1), video.dim(2)});
        assertEquals(127.5f, video.data()[0]);
        assertEquals(200f, video.data()[FRAMES - 1]);
        byte[] mp4 = given().get(stimuli.getString("[1].mp4")).then().statusCode(200).contentType("video/mp4").extract().asByteArray();
        Path file = Files.createTempFile("stimulus-", ".mp4");
        try {
            Files.write(file, mp4);
            NpyArray decoded = VideoDecoder.decode(file, "stimulus", 36, 64, 30, 3600).video();
            assertEquals(FRAMES, decoded.dim(2));
            float last = decoded.data()[FRAMES - 1];
            float first = decoded.data()[0];
            System.out.printf("mp4 stimulus decoded: frame 0 %.1f (127.5 shown), frame %d %.1f (200 shown)%n", first, FRAMES - 1, last);
            assertEquals(200, last, 3);
            assertEquals(127.5, first, 3);
        } finally {
            Files.deleteIfExists(file);
        }
        given().get("/v1/experiments/" + id + "/stimuli/level_009.npy").then().statusCode(404);
        given().get("/v1/experiments/" + id + "/stimuli/level_000.gif").then().statusCode(404);
        awaitFinished(id, LONG);
    }

    @Test
    void cancellingARunningJobEmptiesItsQueuedWindows() {
        String id = start(steps(FRAMES, 10_000, 0, 255));
        JsonPath running = awaitProgress(id, LONG);
        assertTrue(running.getDouble("progress") > 0 && running.getDouble("progress") < 1, running.prettify());
        assertNotNull(running.get("seconds_left"), running.prettify());
        Response cancelled = given().delete("/v1/experiments/" + id);
        assertEquals(200, cancelled.statusCode(), cancelled.asString());
        assertEquals("cancelled", cancelled.jsonPath().getString("state"), cancelled.asString());
        // Its clips in flight leave the device queue, and no window of it is taken any more.
        await(id, j -> metric("dwiseneuro_queue_windows", "priority=\"background\"") == 0, Duration.ofSeconds(10));
        double scheduled = metric("dwiseneuro_windows_scheduled_total", "priority=\"background\"");
        ExperimentApi.sleep(1000);
        assertEquals(scheduled, metric("dwiseneuro_windows_scheduled_total", "priority=\"background\""));
        JsonPath later = job(id);
        assertEquals("cancelled", later.getString("state"));
        System.out.printf("cancelled after %d of %d windows%n", later.getLong("windows_done"), later.getLong("windows_total"));
        given().get("/v1/experiments/" + id + "/result").then().statusCode(409).contentType("application/problem+json");
        given().delete("/v1/experiments/" + id).then().statusCode(409).contentType("application/problem+json");
        given().get("/v1/experiments/no-such-job").then().statusCode(404).contentType("application/problem+json");
    }

    @Test
    void beyondTheJobLimitASubmissionIsRefused429AndAQueuedJobCanBeCancelled() {
        String running = start(steps(FRAMES, 10_000, 0, 255));
        String queued = start(steps(FRAMES, 1, 0));
        assertEquals("queued", job(queued).getString("state"));
        Response refused = post(steps(FRAMES, 1, 0));
        assertEquals(429, refused.statusCode(), refused.asString());
        assertTrue(refused.contentType().startsWith("application/problem+json"));
        assertTrue(Long.parseLong(refused.header("Retry-After")) >= 1);
        assertTrue(refused.jsonPath().getString("detail").contains("concurrent-jobs"), refused.asString());
        Response cancelled = given().delete("/v1/experiments/" + queued);
        assertEquals("cancelled", cancelled.jsonPath().getString("state"));
        assertEquals(0, cancelled.jsonPath().getLong("windows_done"));
        String next = start(steps(FRAMES, 1, 0));  // the slot is free again
        given().delete("/v1/experiments/" + running).then().statusCode(200);
        assertEquals("done", awaitFinished(next, LONG).getString("state"));
        assertEquals("cancelled", job(queued).getString("state"), "a cancelled queued job never runs");
    }

    @Test
    void interactiveRequestsAreAnsweredWhileAJobKeepsTheDeviceBusy() {
        int neurons = given().get("/v1/mice").jsonPath().getInt("find { it.id == '" + MOUSE + "' }.neurons");
        float[] reference = interactiveMean(255, neurons);
        double interactiveBefore = metric("dwiseneuro_windows_scheduled_total", "priority=\"interactive\"");
        double backgroundBefore = metric("dwiseneuro_windows_scheduled_total", "priority=\"background\"");
        String id = start(steps(FRAMES, 10_000, 0, 64, 128, 255));
        awaitProgress(id, LONG);
        List<Double> seconds = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            long t = System.nanoTime();
            float[] during = interactiveMean(255, neurons);
            seconds.add((System.nanoTime() - t) / 1e9);
            assertArrayEquals(reference, during, 1e-6f, "an interactive answer while the job runs");
        }
        JsonPath job = job(id);
        assertEquals("running", job.getString("state"), "the job should still be running: make it longer");
        double interactive = metric("dwiseneuro_windows_scheduled_total", "priority=\"interactive\"") - interactiveBefore;
        double background = metric("dwiseneuro_windows_scheduled_total", "priority=\"background\"") - backgroundBefore;
        System.out.printf("interactive requests during the job: %s s; windows scheduled: %.0f interactive, %.0f background%n",
                seconds, interactive, background);
        assertTrue(interactive >= 5 * 10, "interactive windows scheduled: " + interactive);
        assertTrue(background > 0, "background windows scheduled: " + background);
        assertTrue(metric("dwiseneuro_experiment_jobs", "state=\"running\"") >= 1);
    }

    @Test
    void badSpecsAreRefused422NamingTheField() {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("{\"type\": \"no_such_experiment\"}", "type");
        cases.put("{\"levels\": [1, 2]}", "type");
        cases.put("{\"type\": \"luminance_steps\"}", "levels");
        cases.put("{\"type\": \"luminance_steps\", \"levels\": [0, 300]}", "levels[1]");
        cases.put("{\"type\": \"luminance_steps\", \"levels\": [0], \"frames\": 20}", "frames");
        cases.put("{\"type\": \"luminance_steps\", \"levels\": [0], \"colour\": 1}", "colour");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Response response = post(c.getKey());
            assertEquals(422, response.statusCode(), c.getKey() + ": " + response.asString());
            assertTrue(response.contentType().startsWith("application/problem+json"));
            assertEquals(c.getValue(), response.jsonPath().getString("field"), c.getKey() + ": " + response.asString());
            assertTrue(response.jsonPath().getString("detail").startsWith(c.getValue() + ": "), response.asString());
        }
        Response tooLong = post(steps(FRAMES, 100_000, 0, 255));  // 2,000,000 windows
        assertEquals(422, tooLong.statusCode(), tooLong.asString());
        assertTrue(tooLong.jsonPath().getString("detail").contains("max-windows"), tooLong.asString());
        given().contentType("application/json").body("{\"type\": ").post("/v1/mice/" + MOUSE + "/experiments")
                .then().statusCode(400).contentType("application/problem+json");
        given().contentType("application/json").body("[1]").post("/v1/mice/" + MOUSE + "/experiments")
                .then().statusCode(422).contentType("application/problem+json");
        given().contentType("application/json").body(steps(FRAMES, 1, 0)).post("/v1/mice/no-such-mouse/experiments")
                .then().statusCode(404).contentType("application/problem+json");
        given().contentType("text/plain").body(steps(FRAMES, 1, 0)).post("/v1/mice/" + MOUSE + "/experiments")
                .then().statusCode(415).contentType("application/problem+json");
    }

    @Test
    void anotherInstancesJobsAreAnsweredForAndStaleOnesMarkedInterrupted() throws IOException {
        // What another pod sharing the results volume writes: a running job it saves at every tick, and one whose pod died.
        String alive = foreignJob("another-pod-alive", Instant.now());
        String dead = foreignJob("another-pod-dead", Instant.now().minus(Duration.ofHours(1)));
        JsonPath running = job(alive);
        assertEquals("running", running.getString("state"), running.prettify());
        assertEquals("another-pod-alive", running.getString("owner"));
        JsonPath interrupted = job(dead);
        assertEquals("interrupted", interrupted.getString("state"), interrupted.prettify());
        assertTrue(interrupted.getString("error").contains("stopped updating it"), interrupted.prettify());
        assertTrue(given().get("/v1/experiments").jsonPath().<String>getList("id").containsAll(List.of(alive, dead)));
        // Cancelling the live one leaves a request for its owner (which polls for it), answered 202: still stopping.
        Response cancel = given().delete("/v1/experiments/" + alive);
        assertEquals(202, cancel.statusCode(), cancel.asString());
        assertTrue(Files.exists(Path.of(RESULTS, alive, JobStore.CANCEL)), "no cancel request for the owner");
        given().delete("/v1/experiments/" + dead).then().statusCode(409);
    }

    private static final String RESULTS = "target/experiments-jobs-test";

    private static String foreignJob(String owner, Instant updated) throws IOException {
        String id = UUID.randomUUID().toString();
        ObjectNode record = JSON.createObjectNode().put("id", id).put("type", "luminance_steps").put("mouse", MOUSE)
                .put("state", "running").put("progress", 0.25).put("windows_done", 50).put("windows_total", 200)
                .put("created", updated.minusSeconds(60).toString()).put("started", updated.minusSeconds(59).toString())
                .put("owner", owner).put("updated", updated.toString());
        record.set("spec", JSON.readTree(steps(FRAMES, 10, 0, 255)));
        Files.createDirectories(Path.of(RESULTS, id));
        JSON.writeValue(Path.of(RESULTS, id, JobStore.JOB).toFile(), record);
        return id;
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The interactive path's mean response per neuron to the step to {@code level}, from the onset on. */
    static float[] interactiveMean(int level, int neurons) {
        float[] video = new float[36 * 64 * FRAMES];
        for (int p = 0; p < 36 * 64; p++) {
            for (int t = 0; t < FRAMES; t++) {
                video[p * FRAMES + t] = t < ONSET ? 127.5f : level;
            }
        }
        byte[] traces = NpyWriter.float32(new float[2 * FRAMES], 2, FRAMES);
        byte[] body = given().multiPart("video", "video.npy", NpyWriter.float32(video, 36, 64, FRAMES), "application/octet-stream")
                .multiPart("behavior", "behavior.npy", traces, "application/octet-stream")
                .multiPart("pupil_center", "pupil_center.npy", traces, "application/octet-stream")
                .accept("application/x-npy").post("/v1/mice/" + MOUSE + "/responses").then().statusCode(200).extract().asByteArray();
        float[] responses = NpyReader.read("responses", body).data();
        float[] mean = new float[neurons];
        for (int n = 0; n < neurons; n++) {
            double sum = 0;
            for (int t = ONSET; t < FRAMES; t++) {
                sum += responses[n * FRAMES + t];
            }
            mean[n] = (float) (sum / (FRAMES - ONSET));
        }
        return mean;
    }

    static Map<String, NpyArray> npz(byte[] bytes) throws IOException {
        return dwiseneuro.serve.testing.NpzBytes.read(bytes);
    }
}
