package dwiseneuro.serve.batching;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.URI;
import java.net.URL;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dwiseneuro.serve.testing.Multipart;
import dwiseneuro.serve.testing.RawHttp;
import dwiseneuro.serve.testing.ServiceHealth;
import dwiseneuro.serve.testing.SampleClip;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * The queue is bounded in memory as well as in windows (found by the soak test: short clips hold
 * 2.5 MiB of model input per window, and 256 queued windows ran a 512 MiB heap out of memory).
 */
@QuarkusTest
@TestProfile(QueueMemoryProfile.class)
class QueueMemoryTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/")
    URL url;

    @Test
    void clipsThatDoNotFitTheMemoryBudgetAreRefusedAndTheBudgetComesBack() throws Exception {
        URI base = url.toURI();
        ServiceHealth.awaitUp(base, Duration.ofMinutes(3));

        RawHttp.Response tooBig = post(base, 40); // 40 frames: 3.1 MiB of model input, more than the 3 MiB
        assertEquals(413, tooBig.status(), tooBig.text());
        assertTrue(JSON.readTree(tooBig.body()).path("detail").asText().contains("queue-memory"), tooBig.text());

        CompletableFuture<RawHttp.Response> first = CompletableFuture.supplyAsync(() -> {
            try {
                return post(base, 31);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        awaitQueueBytes(base, true);
        RawHttp.Response second = post(base, 31);
        assertEquals(429, second.status(), second.text());
        assertNotNull(second.header("Retry-After"), "429 without Retry-After");
        assertTrue(JSON.readTree(second.body()).path("detail").asText().contains("model input waiting"), second.text());
        assertEquals(200, first.get(60, TimeUnit.SECONDS).status());

        awaitQueueBytes(base, false); // every byte reserved came back
        assertEquals(200, post(base, 31).status());
        awaitQueueBytes(base, false);
    }

    private static void awaitQueueBytes(URI base, boolean nonZero) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            RawHttp.Response metrics = RawHttp.exchange(base, "GET", "/q/metrics", Map.of(), null, false, Duration.ofSeconds(10));
            last = metrics.text().lines().filter(l -> l.startsWith("dwiseneuro_queue_bytes")).findFirst().orElse("(none)");
            if (last.endsWith(" 0.0") != nonZero && !last.equals("(none)")) {
                return;
            }
            Thread.sleep(10);
        }
        fail("dwiseneuro_queue_bytes did not become " + (nonZero ? "non-zero" : "zero") + ": " + last);
    }

    private static RawHttp.Response post(URI base, int frames) throws Exception {
        Multipart clip = new Multipart();
        for (String part : new String[] {"video", "behavior", "pupil_center"}) {
            clip.file(part, part + ".npy", "application/octet-stream", SampleClip.part(part, frames));
        }
        return RawHttp.exchange(base, "POST", "/v1/mice/demo-mouse-1/responses",
                Map.of("Content-Type", clip.contentType()), clip.build(), false, Duration.ofSeconds(60));
    }
}
