package dwiseneuro.serve.experiments.mei;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.List;

import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;

/** most_exciting jobs over HTTP, as the tests run them (RestAssured on the running test app). */
final class MeiJobs {

    private MeiJobs() {
    }

    /** Starts a job for {@code mouse}; checks the 202 and returns the job id. */
    static String start(String mouse, String spec) {
        Response response = given().contentType("application/json").body(spec).post("/v1/mice/" + mouse + "/experiments");
        assertEquals(202, response.statusCode(), response.asString());
        return response.jsonPath().getString("id");
    }

    /** Polls the job until it ends; it must end done, with progress 1. */
    static JsonPath finish(String id, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            JsonPath job = given().get("/v1/experiments/" + id).jsonPath();
            if (List.of("done", "failed", "cancelled", "interrupted").contains(job.getString("state"))) {
                assertEquals("done", job.getString("state"), job.prettify());
                assertEquals(1.0, job.getDouble("progress"), 1e-9);
                return job;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        fail("job " + id + " did not finish within " + timeout);
        return null;
    }
}
