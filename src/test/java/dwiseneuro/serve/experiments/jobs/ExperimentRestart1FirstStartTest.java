package dwiseneuro.serve.experiments.jobs;

import static dwiseneuro.serve.experiments.jobs.ExperimentApi.awaitFinished;
import static dwiseneuro.serve.experiments.jobs.ExperimentApi.awaitProgress;
import static dwiseneuro.serve.experiments.jobs.ExperimentApi.start;
import static dwiseneuro.serve.experiments.jobs.ExperimentApi.steps;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dwiseneuro.serve.Readiness;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;

/**
 * The first of two app starts over one results directory (ExperimentRestart2SecondStartTest checks what
 * the second start reads back): a job run to done, a job left running when this app shuts down, the
 * folder of a job that a crashed process left "running", and one that another pod runs.
 */
@QuarkusTest
@TestProfile(RestartProfiles.FirstStart.class)
class ExperimentRestart1FirstStartTest {

    static final Path EXPECTED = Path.of(RestartProfiles.RESULTS, "expected-after-restart.properties");

    @Test
    void leavesADoneJobARunningJobAndACrashedOneBehind() throws IOException {
        ExperimentApi.patientHttp();
        Readiness.awaitReady();
        String done = start(steps(40, 1, 0, 255));
        JsonPath finished = awaitFinished(done, Duration.ofMinutes(3));
        assertEquals("done", finished.getString("state"), finished.prettify());
        String result = given().get("/v1/experiments/" + done + "/result").then().statusCode(200).extract().asString();

        String running = start(steps(40, 5_000, 0, 255));
        long progress = awaitProgress(running, Duration.ofMinutes(3)).getLong("windows_done");

        // What a killed process leaves: job.json saying running, no results (written here, unseen by this app).
        ObjectMapper json = new ObjectMapper();
        ObjectNode crashed = (ObjectNode) json.readTree(Path.of(RestartProfiles.RESULTS, done, JobStore.JOB).toFile());
        String crashedId = UUID.randomUUID().toString();
        crashed.put("id", crashedId).put("state", "running").remove(java.util.List.of("finished", "plots", "links"));
        Files.createDirectories(Path.of(RestartProfiles.RESULTS, crashedId));
        json.writeValue(Path.of(RestartProfiles.RESULTS, crashedId, JobStore.JOB).toFile(), crashed);

        // A job another pod runs (and keeps saving: its heartbeat is far ahead): this app's shutdown must leave it alone.
        ObjectNode elsewhere = crashed.deepCopy();
        String elsewhereId = UUID.randomUUID().toString();
        elsewhere.put("id", elsewhereId).put("owner", "another-pod").put("updated", Instant.now().plus(Duration.ofDays(1)).toString());
        Files.createDirectories(Path.of(RestartProfiles.RESULTS, elsewhereId));
        json.writeValue(Path.of(RestartProfiles.RESULTS, elsewhereId, JobStore.JOB).toFile(), elsewhere);

        Properties expected = new Properties();
        expected.setProperty("done", done);
        expected.setProperty("done.result", result);
        expected.setProperty("running", running);
        expected.setProperty("running.progress", Long.toString(progress));
        expected.setProperty("crashed", crashedId);
        expected.setProperty("elsewhere", elsewhereId);
        try (Writer out = Files.newBufferedWriter(EXPECTED)) {
            expected.store(out, "left by ExperimentRestart1FirstStartTest for ExperimentRestart2SecondStartTest");
        }
        System.setProperty(RestartProfiles.FIRST_RAN, EXPECTED.toString());
        System.out.printf("first start: job %s done, job %s running (%d windows done), job %s left 'running' by a crash%n",
                done, running, progress, crashedId);
    }
}
