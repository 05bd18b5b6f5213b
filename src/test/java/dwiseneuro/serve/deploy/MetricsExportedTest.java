package dwiseneuro.serve.deploy;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.config.HttpClientConfig;
import io.restassured.config.RestAssuredConfig;

/**
 * Every metric that the Grafana dashboard, the PrometheusRule alerts and the KEDA autoscaler query
 * (k8s/metrics-used.txt, kept equal to the queries by k8s/tests/run.sh) is really exported by the
 * service: after one inference request with the demo sample, /q/metrics has a sample of each metric
 * of source "service", and the label values the queries select on.
 */
@QuarkusTest
class MetricsExportedTest {

    static final Path SAMPLE = Kustomize.ROOT.resolve("models/demo/sample");

    record Used(String name, String source, String usedBy) {
    }

    static List<Used> used() throws IOException {
        List<Used> out = new ArrayList<>();
        for (String line : Files.readAllLines(Kustomize.K8S.resolve("metrics-used.txt"))) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t");
            assertEquals(3, f.length, "metrics-used.txt line: " + line);
            out.add(new Used(f[0], f[1], f[2]));
        }
        return out;
    }

    @Test
    void everyMetricTheDeploymentQueriesIsExported() throws Exception {
        awaitReady();
        String mouse = given().get("/v1/mice").then().statusCode(200).extract().path("[0].id");
        // A shared 2-core machine under load can take longer than RestAssured's 30 s default.
        RestAssuredConfig slow = RestAssured.config().httpClient(HttpClientConfig.httpClientConfig()
                .setParam("http.socket.timeout", 300_000).setParam("http.connection.timeout", 30_000));
        given().config(slow).multiPart("video", SAMPLE.resolve("video.npy").toFile(), "application/octet-stream")
                .multiPart("behavior", SAMPLE.resolve("behavior.npy").toFile(), "application/octet-stream")
                .multiPart("pupil_center", SAMPLE.resolve("pupil_center.npy").toFile(), "application/octet-stream")
                .accept("application/json")
                .post("/v1/mice/" + mouse + "/responses")
                .then().statusCode(200);
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();

        Set<String> exported = new TreeSet<>();
        Matcher m = Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{| )").matcher(metrics);
        while (m.find()) {
            exported.add(m.group(1));
        }
        List<Used> used = used();
        assertTrue(used.stream().filter(u -> u.source().equals("service")).count() >= 10, "metrics-used.txt lists too few");
        List<String> missing = new ArrayList<>();
        for (Used u : used) {
            switch (u.source()) {
                case "service" -> {
                    if (!exported.contains(u.name())) {
                        missing.add(u.name() + " (used by " + u.usedBy() + ")");
                    }
                }
                // Not the service's: kube-state-metrics' Deployment metrics and Prometheus's own "up".
                case "kube-state-metrics" -> assertTrue(u.name().startsWith("kube_deployment_"), u.name());
                case "prometheus" -> assertEquals("up", u.name());
                default -> fail("unknown source " + u.source() + " of " + u.name());
            }
        }
        assertTrue(missing.isEmpty(), "the dashboard, alerts or autoscaler query metrics that /q/metrics does not export: "
                + missing + "\nexported: " + exported);

        // The label values the queries select on.
        assertSample(metrics, "http_server_requests_seconds_bucket", "uri=\"/v1/mice/[^\"]+/responses\"", "the alerts' and panels' uri=~\"/v1/mice/.+/responses\"");
        assertSample(metrics, "http_server_requests_seconds_count", "status=\"200\"", "request rate by status");
        assertSample(metrics, "dwiseneuro_batch_seconds_sum", "member=\"all\"", "device busy (member=\"all\")");
        assertSample(metrics, "dwiseneuro_batch_seconds_bucket", "member=\"(?!all\")[^\"]+\"", "per-member device time (member!=\"all\")");
        assertSample(metrics, "dwiseneuro_queue_windows", "device=\"[^\"]+\"", "queue depth by device");
        assertSample(metrics, "dwiseneuro_queue_windows", "priority=\"interactive\"", "the autoscaler's interactive queue depth");
        assertSample(metrics, "dwiseneuro_queue_wait_seconds_bucket", "priority=\"interactive\"", "the alert's and autoscaler's interactive queue wait");
        assertSample(metrics, "dwiseneuro_windows_scheduled_total", "priority=\"background\"", "windows by priority");
        assertSample(metrics, "dwiseneuro_experiment_jobs", "state=\"running\"", "jobs by state");
        assertSample(metrics, "dwiseneuro_rejected_total", "reason=\"queue_full\"", "rejections by reason");
        assertSample(metrics, "jvm_memory_used_bytes", "area=\"heap\"", "JVM memory by area");
        assertSample(metrics, "jvm_memory_committed_bytes", "area=\"heap\"", "heap committed");
    }

    private static void assertSample(String metrics, String name, String labelRegex, String why) {
        Pattern p = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{[^}]*" + labelRegex);
        assertTrue(p.matcher(metrics).find(), name + " has no sample with " + labelRegex + ", which " + why + " needs");
    }

    private static void awaitReady() throws InterruptedException {
        long end = System.nanoTime() + 120_000_000_000L;
        int status = -1;
        while (System.nanoTime() < end) {
            status = given().get("/q/health/ready").statusCode();
            if (status == 200) {
                return;
            }
            Thread.sleep(200);
        }
        fail("not ready within 2 minutes (last status " + status + ")");
    }
}
