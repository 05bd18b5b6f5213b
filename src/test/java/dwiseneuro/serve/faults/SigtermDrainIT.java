package dwiseneuro.serve.faults;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dwiseneuro.serve.testing.Multipart;
import dwiseneuro.serve.testing.RawHttp;
import dwiseneuro.serve.testing.ServiceHealth;
import dwiseneuro.serve.testing.SampleClip;

/**
 * SIGTERM drains in-flight work: the packaged service (target/quarkus-app/quarkus-run.jar, so this runs
 * in the integration-test phase, after package) gets SIGTERM while a clip is being computed; the clip's
 * response still arrives, 200 and identical to the one computed before, and the process exits 0 within
 * the grace period (quarkus.shutdown.timeout, 30 s).
 */
class SigtermDrainIT {

    private static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");
    private static final int FRAMES = 54; // 24 windows in 6 batches of 4: a few seconds of work
    private Process service;

    @AfterEach
    void stop() {
        if (service != null && service.isAlive()) {
            service.destroyForcibly();
        }
    }

    @Test
    void sigtermLetsTheRequestInFlightFinishAndExitsZero() throws Exception {
        assertTrue(Files.isRegularFile(JAR), JAR + " is missing: run ./mvnw verify (this test needs the packaged jar)");
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Path log = Files.createTempFile("sigterm-drain-", ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        service = new ProcessBuilder(List.of(java, "-Dai.djl.offline=true", "-Dquarkus.http.port=" + port,
                "-Dquarkus.http.host=127.0.0.1", "-Ddwiseneuro.batching.max-batch=4", "-jar", JAR.toString()))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        URI base = URI.create("http://127.0.0.1:" + port + "/");
        ServiceHealth.awaitUp(base, Duration.ofMinutes(3));

        byte[] clip = clip();
        RawHttp.Response reference = post(base, clip);
        assertEquals(200, reference.status(), reference.text());

        CompletableFuture<RawHttp.Response> inFlight = CompletableFuture.supplyAsync(() -> {
            try {
                return post(base, clip);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        awaitQueued(base);
        assertFalse(inFlight.isDone(), "the clip finished before SIGTERM: make it longer");
        long signalled = System.nanoTime();
        service.destroy(); // SIGTERM

        RawHttp.Response drained = inFlight.get(60, TimeUnit.SECONDS);
        assertEquals(200, drained.status(), "the request in flight at SIGTERM: " + drained.text());
        assertArrayEquals(reference.body(), drained.body(), "the drained response differs from the reference");
        assertTrue(service.waitFor(45, TimeUnit.SECONDS), "still running 45 s after SIGTERM");
        double seconds = (System.nanoTime() - signalled) / 1e9;
        String output = Files.readString(log);
        assertEquals(0, service.exitValue(), "exit status after SIGTERM; log:\n" + output);
        assertTrue(seconds < 30, "the drain took " + seconds + " s, more than the 30 s grace period");
        assertTrue(output.contains("SIGTERM"), "the log does not show the SIGTERM:\n" + output);
        assertFalse(output.contains(" ERROR "), "errors while draining:\n" + output);
    }

    /** Waits until the server has queued windows, i.e. the clip is being computed. */
    private static void awaitQueued(URI base) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            RawHttp.Response metrics = RawHttp.exchange(base, "GET", "/q/metrics", Map.of(), null, false, Duration.ofSeconds(10));
            if (metrics.text().lines().anyMatch(l -> l.startsWith("dwiseneuro_queue_windows") && !l.endsWith(" 0.0"))) {
                return;
            }
            Thread.sleep(20);
        }
        fail("the clip never showed up in the queue");
    }

    private static byte[] clip() {
        Multipart multipart = new Multipart();
        for (String part : new String[] {"video", "behavior", "pupil_center"}) {
            multipart.file(part, part + ".npy", "application/octet-stream", SampleClip.part(part, FRAMES));
        }
        return multipart.build();
    }

    private static RawHttp.Response post(URI base, byte[] clip) throws IOException {
        return RawHttp.exchange(base, "POST", "/v1/mice/demo-mouse-1/responses",
                Map.of("Content-Type", new Multipart().contentType(), "Accept", "application/x-npy"),
                clip, false, Duration.ofSeconds(120));
    }
}
