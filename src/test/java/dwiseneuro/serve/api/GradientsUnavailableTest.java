package dwiseneuro.serve.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dwiseneuro.serve.testing.Multipart;
import dwiseneuro.serve.testing.NpyBytes;
import dwiseneuro.serve.testing.RawHttp;
import dwiseneuro.serve.testing.ServiceHealth;
import dwiseneuro.serve.testing.TemplateEnsemble;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * An ensemble whose members do not export input_gradient serves responses as before, and answers gradient
 * requests with 409 problem+json naming the member and the re-export command; most_exciting specs are 422.
 */
@QuarkusTest
@TestProfile(NoGradientEnsembleProfile.class)
class GradientsUnavailableTest {

    private static final int FRAMES = 32;

    @TestHTTPResource("/")
    URL url;

    private RawHttp.Response post(String path, Multipart body) throws Exception {
        return RawHttp.exchange(url.toURI(), "POST", path, Map.of("Content-Type", body.contentType(), "Accept", "application/json"),
                body.build(), false, Duration.ofMinutes(2));
    }

    @Test
    void gradientsAre409AndResponsesStillServe() throws Exception {
        ServiceHealth.awaitUp(url.toURI(), Duration.ofMinutes(3));
        byte[] video = NpyBytes.float32(new float[TemplateEnsemble.HEIGHT * TemplateEnsemble.WIDTH * FRAMES],
                TemplateEnsemble.HEIGHT, TemplateEnsemble.WIDTH, FRAMES);
        String mouse = "/v1/mice/" + TemplateEnsemble.MOUSE;
        RawHttp.Response refused = post(mouse + "/gradients", new Multipart().file("video", "v.npy", "application/octet-stream", video)
                .field("objective", "{\"neurons\": [0]}"));
        System.out.println("gradients without input_gradient: " + refused.status() + " " + refused.text());
        assertEquals(409, refused.status(), refused.text());
        assertTrue(refused.header("Content-Type").startsWith("application/problem+json"));
        assertTrue(refused.text().contains("member.pt") && refused.text().contains("trainer/bin/trainer convert"), refused.text());

        RawHttp.Response responses = post(mouse + "/responses", new Multipart().file("video", "v.npy", "application/octet-stream", video));
        assertEquals(200, responses.status(), responses.text());

        RawHttp.Response spec = RawHttp.exchange(url.toURI(), "POST", mouse + "/experiments",
                Map.of("Content-Type", "application/json"),
                "{\"type\": \"most_exciting\", \"neurons\": [0]}".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                false, Duration.ofMinutes(1));
        System.out.println("most_exciting without input_gradient: " + spec.status() + " " + spec.text());
        assertEquals(422, spec.status(), spec.text());
        assertTrue(spec.text().contains("input_gradient") && spec.text().contains("trainer/bin/trainer convert"), spec.text());
    }
}
