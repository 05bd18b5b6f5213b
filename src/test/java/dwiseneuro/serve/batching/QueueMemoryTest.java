package dwiseneuro.serve.batching;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
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

    /**
     * While one clip holds the budget, a request is refused before its body: the 429 arrives with only
     * the headers sent (Content-Length promises 1 MB). The unread body is drained: after it is sent, the
     * same connection serves the next request. Then the same for the v2 protocol, in its error format.
     */
    @Test
    void whileTheBudgetIsTakenARequestIsRefusedBeforeItsBodyIsSent() throws Exception {
        URI base = url.toURI();
        ServiceHealth.awaitUp(base, Duration.ofMinutes(3));
        CompletableFuture<RawHttp.Response> holder = CompletableFuture.supplyAsync(() -> {
            try {
                return post(base, 31);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        awaitQueueBytes(base, true); // the holder waits max-delay (1.5 s) in the queue
        byte[] body = new byte[1_000_000];
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(("POST /v1/mice/demo-mouse-1/responses HTTP/1.1\r\nHost: localhost\r\n"
                    + "Content-Type: multipart/form-data; boundary=x\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String refused = readResponse(in);
            assertTrue(refused.startsWith("HTTP/1.1 429"), refused);
            assertTrue(refused.contains("Retry-After: "), refused);
            assertTrue(refused.contains("application/problem+json"), refused);
            assertTrue(refused.contains("model input waiting"), refused);

            out.write(body); // the client sends what it promised; the server drains it
            out.write("GET /q/health/live HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String next = readResponse(in);
            assertTrue(next.startsWith("HTTP/1.1 200"), "the connection after a drained body: " + next);
        }
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("POST /v2/models/demo/infer HTTP/1.1\r\nHost: localhost\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String refused = readResponse(socket.getInputStream());
            assertTrue(refused.startsWith("HTTP/1.1 429"), refused);
            assertTrue(refused.contains("{\"error\":\"the inference queue is full"), refused);
        }
        assertEquals(200, holder.get(60, TimeUnit.SECONDS).status());
        String metrics = RawHttp.exchange(base, "GET", "/q/metrics", Map.of(), null, false, Duration.ofSeconds(10)).text();
        assertTrue(metrics.contains("dwiseneuro_rejected_total{reason=\"queue_full\"}"), metrics);
        awaitQueueBytes(base, false);
    }

    /** One HTTP/1.1 response with a Content-Length body: head and body as text. */
    private static String readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed after: " + head.toString(StandardCharsets.ISO_8859_1));
            }
            head.write(b);
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        int length = text.lines().filter(l -> l.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:"))
                .mapToInt(l -> Integer.parseInt(l.substring(15).trim())).findFirst().orElse(0);
        return text + new String(in.readNBytes(length), StandardCharsets.UTF_8);
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
