package dwiseneuro.serve.experiments.jobs;

import static dwiseneuro.serve.experiments.jobs.ExperimentApi.job;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;

/**
 * The second app start over ExperimentRestart1FirstStartTest's results directory: the done job and its
 * result survive, the job cut by the first app's shutdown and the one a crash left "running" are both
 * interrupted, never lost; another pod's running job is left running. Run the two together:
 * -Dtest='ExperimentRestart*'.
 */
@QuarkusTest
@TestProfile(RestartProfiles.SecondStart.class)
class ExperimentRestart2SecondStartTest {

    @Test
    void readsBackTheDoneJobAndMarksTheCutOnesInterrupted() throws IOException {
        String left = System.getProperty(RestartProfiles.FIRST_RAN);
        assertNotNull(left, "ExperimentRestart1FirstStartTest must run first, in the same JVM: -Dtest='ExperimentRestart*'");
        Properties expected = new Properties();
        try (Reader in = Files.newBufferedReader(Path.of(left))) {
            expected.load(in);
        }
        ExperimentApi.patientHttp();
        // Jobs are read back at startup, before the ensemble is ready: no readiness wait needed for them.
        JsonPath done = job(expected.getProperty("done"));
        assertEquals("done", done.getString("state"), done.prettify());
        String result = given().get("/v1/experiments/" + done.getString("id") + "/result").then().statusCode(200).extract().asString();
        ObjectMapper json = new ObjectMapper();
        assertEquals(json.readTree(expected.getProperty("done.result")), json.readTree(result), "the result after the restart");
        given().get(done.getString("links.result_npz")).then().statusCode(200);
        given().get(done.getString("links.plots.'mean_response.png'")).then().statusCode(200).contentType("image/png");

        JsonPath cut = job(expected.getProperty("running"));
        assertEquals("interrupted", cut.getString("state"), cut.prettify());
        assertTrue(cut.getString("error").contains("shut down"), cut.prettify());
        assertTrue(cut.getLong("windows_done") >= Long.parseLong(expected.getProperty("running.progress")), cut.prettify());
        assertNotNull(cut.getString("finished"));
        given().get("/v1/experiments/" + cut.getString("id") + "/result").then().statusCode(409);

        JsonPath crashed = job(expected.getProperty("crashed"));
        assertEquals("interrupted", crashed.getString("state"), crashed.prettify());
        assertTrue(crashed.getString("error").contains("was running when the service stopped"), crashed.prettify());

        JsonPath elsewhere = job(expected.getProperty("elsewhere"));
        assertEquals("running", elsewhere.getString("state"), "another pod's job, through this instance's restart: "
                + elsewhere.prettify());
        assertEquals("another-pod", elsewhere.getString("owner"));

        List<String> listed = given().get("/v1/experiments").jsonPath().getList("id");
        assertTrue(listed.containsAll(List.of(done.getString("id"), cut.getString("id"), crashed.getString("id"))), listed.toString());
        System.out.printf("second start: %s done (result identical), %s %s (%s), %s %s (%s)%n", done.getString("id"),
                cut.getString("id"), cut.getString("state"), cut.getString("error"), crashed.getString("id"),
                crashed.getString("state"), crashed.getString("error"));
    }
}
