package dwiseneuro.serve.experiments.jobs;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

import io.restassured.RestAssured;
import io.restassured.config.HttpClientConfig;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;

/** The experiments API over HTTP, as the jobs tests use it (RestAssured on the running test app). */
final class ExperimentApi {

    static final String MOUSE = "demo-mouse-1";

    private ExperimentApi() {
    }

    /** Long HTTP timeouts: on a shared 2-core machine a clip behind a job's batches can take longer than 30 s. */
    static void patientHttp() {
        RestAssured.config = RestAssured.config().httpClient(HttpClientConfig.httpClientConfig()
                .setParam("http.socket.timeout", 300_000).setParam("http.connection.timeout", 30_000));
    }

    /** A luminance_steps spec: {@code levels} levels, clips of {@code frames} frames, {@code repeats} times. */
    static String steps(int frames, int repeats, int... levels) {
        StringBuilder list = new StringBuilder();
        for (int level : levels) {
            list.append(list.isEmpty() ? "" : ", ").append(level);
        }
        return "{\"type\": \"luminance_steps\", \"levels\": [" + list + "], \"frames\": " + frames + ", \"onset\": 10, "
                + "\"repeats\": " + repeats + "}";
    }

    static Response post(String spec) {
        return given().contentType("application/json").body(spec).post("/v1/mice/" + MOUSE + "/experiments");
    }

    /** Starts a job; checks the 202, its Location and the job object, and returns the id. */
    static String start(String spec) {
        Response response = post(spec);
        assertEquals(202, response.statusCode(), response.asString());
        String id = response.jsonPath().getString("id");
        assertEquals("/v1/experiments/" + id, java.net.URI.create(response.header("Location")).getPath(), "Location");
        assertTrue(List.of("queued", "running").contains(response.jsonPath().getString("state")), response.asString());
        return id;
    }

    static JsonPath job(String id) {
        Response response = given().get("/v1/experiments/" + id);
        assertEquals(200, response.statusCode(), response.asString());
        return response.jsonPath();
    }

    /** Polls the job until {@code done} holds; fails with its last state after {@code timeout}. */
    static JsonPath await(String id, Predicate<JsonPath> done, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        JsonPath job = job(id);
        while (!done.test(job)) {
            if (System.nanoTime() > end) {
                fail("job " + id + " did not get there within " + timeout + ": " + job.prettify());
            }
            sleep(50);
            job = job(id);
        }
        return job;
    }

    static JsonPath awaitFinished(String id, Duration timeout) {
        return await(id, j -> List.of("done", "failed", "cancelled", "interrupted").contains(j.getString("state")), timeout);
    }

    /** Running with some windows done. */
    static JsonPath awaitProgress(String id, Duration timeout) {
        return await(id, j -> j.getString("state").equals("running") && j.getLong("windows_done") > 0, timeout);
    }

    /** Cancels every job still queued or running, so that the next test starts with free job slots. */
    static void cancelActive() {
        for (String id : given().get("/v1/experiments").jsonPath().<String>getList("findAll { it.state == 'queued' || it.state == 'running' }.id")) {
            given().delete("/v1/experiments/" + id);
        }
    }

    /** The sum of the /q/metrics samples of {@code name} whose labels contain {@code label} (all devices), or -1. */
    static double metric(String name, String label) {
        double sum = -1;
        for (String line : given().get("/q/metrics").asString().split("\n")) {
            if (line.startsWith(name + "{") && line.contains(label)) {
                sum = Math.max(sum, 0) + Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
