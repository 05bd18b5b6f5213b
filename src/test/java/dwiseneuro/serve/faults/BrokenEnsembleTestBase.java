package dwiseneuro.serve.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dwiseneuro.serve.testing.Multipart;
import dwiseneuro.serve.testing.RawHttp;
import dwiseneuro.serve.testing.ServiceHealth;
import dwiseneuro.serve.testing.SampleClip;
import io.quarkus.test.common.http.TestHTTPResource;

/**
 * A broken ensemble is never served, not even partly: readiness settles DOWN (FAILED) naming the
 * broken file, the log has an ERROR line naming it, inference answers 503 problem+json, and nothing
 * changes while the service keeps running.
 */
abstract class BrokenEnsembleTestBase {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/")
    URL url;

    abstract BrokenEnsembleProfiles.Broken profile();

    @Test
    void readinessStaysDownNamingTheFileAndNothingIsServed() throws Exception {
        String file = profile().brokenFile();
        ServiceHealth.Body settled = ServiceHealth.awaitSettled(url.toURI(), Duration.ofMinutes(2));
        assertNotNull(settled, "readiness still LOADING after 2 minutes");
        assertEquals(503, settled.status(), settled.text());
        JsonNode check = JSON.readTree(settled.text()).path("checks").get(0);
        assertEquals("DOWN", check.path("status").asText(), settled.text());
        assertEquals("FAILED", check.path("data").path("state").asText(), settled.text());
        assertTrue(check.path("data").path("problem").asText().contains(file),
                "readiness problem does not name " + file + ": " + settled.text());

        Path log = BrokenEnsembleProfiles.Broken.LOGS.get(profile().getClass());
        List<String> lines = Files.readAllLines(log);
        assertTrue(lines.stream().anyMatch(l -> l.contains("ERROR") && l.contains(file)),
                "no ERROR line naming " + file + " in " + log + ":\n" + String.join("\n", lines));

        Multipart clip = new Multipart();
        for (String part : new String[] {"video", "behavior", "pupil_center"}) {
            clip.file(part, part + ".npy", "application/octet-stream", SampleClip.part(part, 31));
        }
        RawHttp.Response response = RawHttp.exchange(url.toURI(), "POST", "/v1/mice/demo-mouse-1/responses",
                Map.of("Content-Type", clip.contentType()), clip.build(), false, Duration.ofSeconds(30));
        assertEquals(503, response.status(), response.text());
        assertTrue(response.header("Content-Type").startsWith("application/problem+json"), response.text());
        String detail = JSON.readTree(response.body()).path("detail").asText();
        assertTrue(detail.contains(file), response.text());
        assertFalse(detail.contains("/" + file), "the client sees the server's path: " + response.text());

        Thread.sleep(1_000);
        ServiceHealth.Body later = ServiceHealth.get(url.toURI());
        assertEquals(503, later.status(), "readiness changed: " + later.text());
    }
}
