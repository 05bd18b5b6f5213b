package dwiseneuro.serve.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dwiseneuro.serve.testing.RawHttp;
import dwiseneuro.serve.testing.ServiceHealth;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * A batch the device has no memory for ("CUDA out of memory" from libtorch) runs again as halves,
 * recursively, until the halves fit: every request gets its exact answer. A window that does not fit
 * even alone fails only its own request (500 with an incident id). The blend of a long clip whose
 * windows are spread over many batches, shared with other clips, is exact.
 */
@QuarkusTest
@TestProfile(ProbeMemberProfiles.OutOfMemory.class)
class OutOfMemorySplitTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    // The demo ensemble's mice (readout index, neurons).
    private static final ProbeClip MOUSE_1 = ProbeClip.of("demo-mouse-1", 0, 37, 60, 0f);
    private static final ProbeClip MOUSE_2 = ProbeClip.of("demo-mouse-2", 1, 52, 45, 100f);

    @TestHTTPResource("/")
    URL url;

    @BeforeEach
    void up() throws Exception {
        ServiceHealth.awaitUp(url.toURI(), Duration.ofMinutes(3));
    }

    @Test
    void aBatchThatDoesNotFitIsSplitUntilItFitsAndOnlyAWindowThatNeverFitsFails() throws Exception {
        URI base = url.toURI();
        double splitsBefore = splits(base);
        // 30 windows: batches of 16, which do not fit (more than 3 windows with a marked one), then 8, 4, 2.
        ProbeClip tooLarge = MOUSE_1.withPupil(0f, ProbeMemberProfiles.OOM_MARKER);
        tooLarge.assertExact(tooLarge.post(base));
        double splits = splits(base) - splitsBefore;
        System.out.printf("30 windows in batches of up to 16, fitting 3: %.0f splits%n", splits);
        assertTrue(splits >= 3, "the batch was not split down to what fits: " + splits + " splits");
        String log = Files.readString(ProbeMemberProfiles.Probe.LOGS.get(ProbeMemberProfiles.OutOfMemory.class));
        assertTrue(log.contains("Out of memory on cpu() with a batch of 16 windows (RuntimeError: CUDA out of memory."),
                "no log line for the split");

        // Concurrent: the marked clip, a clean clip of the other mouse, and a clip no batch can hold.
        ProbeClip neverFits = ProbeClip.of("demo-mouse-1", 0, 37, 40, 7f).withPupil(0f, ProbeMemberProfiles.NEVER_FITS_MARKER);
        ExecutorService clients = Executors.newFixedThreadPool(3);
        try {
            Future<RawHttp.Response> a = clients.submit(() -> tooLarge.post(base));
            Future<RawHttp.Response> bad = clients.submit(() -> neverFits.post(base));
            Future<RawHttp.Response> b = clients.submit(() -> MOUSE_2.post(base));
            RawHttp.Response failed = bad.get();
            assertEquals(500, failed.status(), failed.text());
            assertTrue(failed.header("Content-Type").startsWith("application/problem+json"), failed.text());
            String incident = JSON.readTree(failed.body()).path("incident").asText();
            assertFalse(incident.isBlank(), failed.text());
            tooLarge.assertExact(a.get());
            MOUSE_2.assertExact(b.get());
            String after = Files.readString(ProbeMemberProfiles.Probe.LOGS.get(ProbeMemberProfiles.OutOfMemory.class));
            assertTrue(after.lines().anyMatch(l -> l.contains("ERROR") && l.contains(incident) && l.contains("Batch of 1 windows")),
                    "the failure was not down to one window, or its incident " + incident + " is not in the log");
        } finally {
            clients.shutdownNow();
        }
        tooLarge.assertExact(tooLarge.post(base));
    }

    @Test
    void aLongClipSharingManyBatchesWithOthersKeepsItsExactBlend() throws Exception {
        URI base = url.toURI();
        // 600 frames: 570 windows over at least 36 batches of up to 16, interleaved with the other clips.
        List<ProbeClip> clips = List.of(ProbeClip.of("demo-mouse-2", 1, 52, 600, 3f), MOUSE_1,
                ProbeClip.of("demo-mouse-1", 0, 37, 97, 50f), MOUSE_2);
        ExecutorService clients = Executors.newFixedThreadPool(clips.size());
        try {
            List<Future<RawHttp.Response>> responses = clips.stream()
                    .map(clip -> clients.submit(() -> clip.post(base))).toList();
            for (int i = 0; i < clips.size(); i++) {
                clips.get(i).assertExact(responses.get(i).get());
            }
        } finally {
            clients.shutdownNow();
        }
    }

    private static double splits(URI base) throws Exception {
        RawHttp.Response metrics = RawHttp.exchange(base, "GET", "/q/metrics", Map.of(), null, false, Duration.ofSeconds(30));
        return metrics.text().lines().filter(l -> l.startsWith("dwiseneuro_batch_splits_total"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }
}
