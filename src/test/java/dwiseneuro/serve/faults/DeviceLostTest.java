package dwiseneuro.serve.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dwiseneuro.serve.testing.RawHttp;
import dwiseneuro.serve.testing.ServiceHealth;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * An error after which the CUDA context is unusable ("an illegal memory access was encountered", from
 * libtorch inside a real batch) takes the service out of rotation instead of failing every later batch:
 * the request that met it gets 503 naming the error, readiness goes DOWN (DEVICE_FAILED, naming it), and
 * every later request gets 503 problem+json at once, naming it too.
 */
@QuarkusTest
@TestProfile(ProbeMemberProfiles.DeviceLost.class)
class DeviceLostTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ERROR = "CUDA error: an illegal memory access was encountered";

    @TestHTTPResource("/")
    URL url;

    @Test
    void aBrokenCudaContextTakesReadinessDownNamingTheError() throws Exception {
        URI base = url.toURI();
        ServiceHealth.awaitUp(base, Duration.ofMinutes(3));
        ProbeClip clean = ProbeClip.of("demo-mouse-1", 0, 37, 34, 5f);
        clean.assertExact(clean.post(base));

        RawHttp.Response broken = clean.withPupil(ProbeMemberProfiles.LOST_MARKER, 0f).post(base);
        assertEquals(503, broken.status(), broken.text());
        assertProblemNaming(broken);

        ServiceHealth.Body ready = ServiceHealth.get(base);
        System.out.println("readiness after the device failed: " + ready.text());
        assertEquals(503, ready.status(), ready.text());
        JsonNode check = JSON.readTree(ready.text()).path("checks").get(0);
        assertEquals("DOWN", check.path("status").asText(), ready.text());
        assertEquals("DEVICE_FAILED", check.path("data").path("state").asText(), ready.text());
        assertTrue(check.path("data").path("problem").asText().contains(ERROR), ready.text());

        RawHttp.Response later = clean.post(base);
        assertEquals(503, later.status(), "a request after the device failed: " + later.text());
        assertProblemNaming(later);

        Path log = ProbeMemberProfiles.Probe.LOGS.get(ProbeMemberProfiles.DeviceLost.class);
        assertTrue(Files.readAllLines(log).stream().anyMatch(l -> l.contains("ERROR") && l.contains("Device cpu() failed")
                && l.contains(ERROR)), "no ERROR line naming the device and the error in " + log);
        // The build under test has CPU natives only: "auto" says so (Devices.autoOnCpuWarning).
        assertTrue(Files.readString(log).contains("this build has CPU natives only"), "no CPU-natives warning in " + log);
    }

    private static void assertProblemNaming(RawHttp.Response response) throws Exception {
        assertTrue(response.header("Content-Type").startsWith("application/problem+json"), response.text());
        assertTrue(JSON.readTree(response.body()).path("detail").asText().contains(ERROR), response.text());
    }
}
