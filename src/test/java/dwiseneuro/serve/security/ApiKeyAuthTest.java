package dwiseneuro.serve.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dwiseneuro.serve.testing.Multipart;
import dwiseneuro.serve.testing.RawHttp;
import dwiseneuro.serve.testing.ServiceHealth;
import dwiseneuro.serve.testing.SampleClip;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** With dwiseneuro.auth.api-keys set, the API needs a key; health, metrics and OpenAPI stay open. */
@QuarkusTest
@TestProfile(ApiKeyProfile.class)
class ApiKeyAuthTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/")
    URL url;

    @Test
    void theApiNeedsAKeyAndTheRestStaysOpen() throws Exception {
        URI base = url.toURI();
        ServiceHealth.awaitUp(base, Duration.ofMinutes(3)); // readiness itself needs no key

        assertUnauthorized(get(base, "/v1/mice", Map.of()), "needs an API key");
        assertUnauthorized(get(base, "/v1/mice", Map.of("X-API-Key", "wrong")), "not valid");
        assertUnauthorized(get(base, "/v1/mice", Map.of("Authorization", "Bearer " + ApiKeyProfile.KEY_A + "x")), "not valid");
        assertUnauthorized(get(base, "/v1/mice", Map.of("Authorization", "Basic " + ApiKeyProfile.KEY_A)), "needs an API key");
        assertUnauthorized(get(base, "/v2/anything", Map.of()), "needs an API key");
        assertUnauthorized(get(base, "/q/../v1/mice", Map.of()), "needs an API key");
        assertUnauthorized(get(base, "/", Map.of()), "needs an API key");

        assertEquals(200, get(base, "/v1/mice", Map.of("X-API-Key", ApiKeyProfile.KEY_A)).status());
        assertEquals(200, get(base, "/v1/mice", Map.of("Authorization", "Bearer " + ApiKeyProfile.KEY_B)).status());
        assertEquals(200, get(base, "/v1/mice", Map.of("authorization", "bearer " + ApiKeyProfile.KEY_A)).status());

        for (String open : new String[] {"/q/health/ready", "/q/health/live", "/q/metrics", "/q/openapi"}) {
            assertEquals(200, get(base, open, Map.of()).status(), open + " must stay open");
        }
        assertTrue(get(base, "/q/metrics", Map.of()).text().lines()
                .anyMatch(l -> l.startsWith("dwiseneuro_rejected_total") && l.contains("unauthorized") && !l.endsWith(" 0.0")));

        // An upload: refused before its body is read (no key), served with one.
        Multipart clip = new Multipart();
        for (String part : new String[] {"video", "behavior", "pupil_center"}) {
            clip.file(part, part + ".npy", "application/octet-stream", SampleClip.part(part, 31));
        }
        Map<String, String> headers = new HashMap<>(Map.of("Content-Type", clip.contentType()));
        assertUnauthorized(RawHttp.exchange(base, "POST", "/v1/mice/demo-mouse-1/responses", headers, clip.build(),
                false, Duration.ofSeconds(30)), "needs an API key");
        // Over the size limit without a key: still 401, not 413 (nothing about the service is told).
        assertUnauthorized(RawHttp.exchange(base, "POST", "/v1/mice/demo-mouse-1/responses", headers,
                new byte[2 << 20], false, Duration.ofSeconds(30)), "needs an API key");
        headers.put("X-API-Key", ApiKeyProfile.KEY_B);
        RawHttp.Response served = RawHttp.exchange(base, "POST", "/v1/mice/demo-mouse-1/responses", headers,
                clip.build(), false, Duration.ofSeconds(120));
        assertEquals(200, served.status(), served.text());
        assertEquals(31, JSON.readTree(served.body()).path("frames").asInt());
    }

    private static RawHttp.Response get(URI base, String path, Map<String, String> headers) throws Exception {
        return RawHttp.exchange(base, "GET", path, headers, null, false, Duration.ofSeconds(30));
    }

    private static void assertUnauthorized(RawHttp.Response response, String detail) throws Exception {
        assertEquals(401, response.status(), response.text());
        assertEquals("Bearer realm=\"dwiseneuro\"", response.header("WWW-Authenticate"));
        assertTrue(response.header("Content-Type").startsWith("application/problem+json"), response.text());
        JsonNode problem = JSON.readTree(response.body());
        assertEquals(401, problem.path("status").asInt());
        assertTrue(problem.path("detail").asText().contains(detail), response.text());
    }
}
