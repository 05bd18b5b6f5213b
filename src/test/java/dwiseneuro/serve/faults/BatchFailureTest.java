package dwiseneuro.serve.faults;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dwiseneuro.serve.testing.Multipart;
import dwiseneuro.serve.testing.NpyBytes;
import dwiseneuro.serve.testing.RawHttp;
import dwiseneuro.serve.testing.ServiceHealth;
import dwiseneuro.serve.testing.SampleClip;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * An exception inside one batch fails only the request whose window is in that batch: it gets 500
 * problem+json with an incident id that is in the log; requests running at the same time get their
 * exact responses, and the worker goes on serving afterwards.
 */
@QuarkusTest
@TestProfile(FaultyMemberProfile.class)
class BatchFailureTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int FRAMES = 32; // 2 windows, one per batch

    @TestHTTPResource("/")
    URL url;

    @Test
    void aFailingBatchFailsOnlyItsRequestAndTheWorkerGoesOn() throws Exception {
        ServiceHealth.awaitUp(url.toURI(), Duration.ofMinutes(3));
        RawHttp.Response reference = post(clip(false));
        assertEquals(200, reference.status(), reference.text());

        ExecutorService clients = Executors.newFixedThreadPool(5);
        try {
            List<Future<RawHttp.Response>> good = new ArrayList<>();
            Callable<RawHttp.Response> valid = () -> post(clip(false));
            good.add(clients.submit(valid));
            Future<RawHttp.Response> bad = clients.submit(() -> post(clip(true)));
            good.add(clients.submit(valid));

            RawHttp.Response failed = bad.get();
            assertEquals(500, failed.status(), failed.text());
            assertTrue(failed.header("Content-Type").startsWith("application/problem+json"), failed.text());
            JsonNode problem = JSON.readTree(failed.body());
            String incident = problem.path("incident").asText();
            assertFalse(incident.isBlank(), "no incident id: " + failed.text());
            String log = Files.readString(FaultyMemberProfile.log);
            assertTrue(log.lines().anyMatch(l -> l.contains("ERROR") && l.contains(incident)),
                    "incident " + incident + " is not in the log " + FaultyMemberProfile.log);
            assertTrue(log.contains("sentinel window"), "the log does not show the member's exception");

            for (Future<RawHttp.Response> future : good) {
                RawHttp.Response response = future.get();
                assertEquals(200, response.status(), response.text());
                assertArrayEquals(reference.body(), response.body(), "a request outside the failing batch changed");
            }
        } finally {
            clients.shutdownNow();
        }

        RawHttp.Response after = post(clip(false));
        assertEquals(200, after.status(), "the worker stopped after the failure: " + after.text());
        assertArrayEquals(reference.body(), after.body());
        RawHttp.Response metrics = RawHttp.exchange(url.toURI(), "GET", "/q/metrics", Map.of(), null, false,
                Duration.ofSeconds(30));
        assertTrue(metrics.text().lines().anyMatch(l -> l.startsWith("dwiseneuro_rejected_total")
                && l.contains("batch_failure") && !l.endsWith(" 0.0")), "batch_failure not counted");
    }

    /**
     * The sample's first 32 frames; with {@code sentinel}, the last frame's pupil x is the sentinel
     * value, which only the second window (frames 1, 3, ..., 31) sees: the first window runs fine.
     */
    private static byte[] clip(boolean sentinel) {
        float[] pupil = SampleClip.traceValues("pupil_center", FRAMES);
        if (sentinel) {
            pupil[FRAMES - 1] = FaultyMemberProfile.SENTINEL; // row 0 (x), last frame: only the last window sees it
        }
        return new Multipart()
                .file("video", "video.npy", "application/octet-stream", SampleClip.part("video", FRAMES))
                .file("behavior", "behavior.npy", "application/octet-stream", SampleClip.part("behavior", FRAMES))
                .file("pupil_center", "pupil_center.npy", "application/octet-stream", NpyBytes.float32(pupil, 2, FRAMES))
                .build();
    }

    private RawHttp.Response post(byte[] body) throws Exception {
        return RawHttp.exchange(url.toURI(), "POST", "/v1/mice/demo-mouse-2/responses",
                Map.of("Content-Type", new Multipart().contentType(), "Accept", "application/x-npy"),
                body, false, Duration.ofSeconds(120));
    }
}
