package dwiseneuro.serve.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.time.Duration;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dwiseneuro.serve.media.NpyArray;
import dwiseneuro.serve.media.NpyReader;
import dwiseneuro.serve.testing.Multipart;
import dwiseneuro.serve.testing.NpyBytes;
import dwiseneuro.serve.testing.RawHttp;
import dwiseneuro.serve.testing.ServiceHealth;
import dwiseneuro.serve.testing.TemplateEnsemble;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * POST /v1/mice/{id}/gradients on the template ensemble, whose response at frame t depends on frame t
 * only: the answer must be w[n, t] x d response / d frame t at every chosen frame and zero elsewhere,
 * through the real queue, worker and HTTP; and a bad objective is a 422 naming what is wrong.
 */
@QuarkusTest
@TestProfile(TemplateEnsembleProfile.class)
class GradientsApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int H = TemplateEnsemble.HEIGHT;
    private static final int W = TemplateEnsemble.WIDTH;
    private static final int FRAMES = 34;
    private static final String PATH = "/v1/mice/" + TemplateEnsemble.MOUSE + "/gradients";

    @TestHTTPResource("/")
    URL url;

    @BeforeEach
    void ready() throws Exception {
        ServiceHealth.awaitUp(url.toURI(), Duration.ofMinutes(3));
    }

    private static float[] video() {
        Random random = new Random(9);
        float[] video = new float[H * W * FRAMES];
        for (int i = 0; i < video.length; i++) {
            video[i] = (float) Math.min(255, Math.max(0, 127.5 + 40 * random.nextGaussian()));
        }
        return video;
    }

    private RawHttp.Response post(Multipart body, String accept) throws Exception {
        return RawHttp.exchange(url.toURI(), "POST", PATH, Map.of("Content-Type", body.contentType(), "Accept", accept),
                body.build(), false, Duration.ofMinutes(2));
    }

    private static Multipart clip(float[] video) {
        return new Multipart().file("video", "video.npy", "application/octet-stream", NpyBytes.float32(video, H, W, FRAMES));
    }

    @Test
    void theGradientIsTheClosedFormAtEveryChosenFrameAndZeroElsewhere() throws Exception {
        TemplateEnsemble template = TemplateEnsembleProfile.ensemble();
        float[] video = video();
        String objective = "{\"neurons\": [2, 0], \"frames\": \"5:30\", \"weights\": [1.5, -0.5]}";
        RawHttp.Response npy = post(clip(video).field("objective", objective), "application/x-npy");
        assertEquals(200, npy.status(), npy.text());
        NpyArray gradient = NpyReader.read("gradient", npy.body());
        assertEquals("(36, 64, 34)", gradient.shapeText());

        double expectedObjective = 0;
        double worst = 0;
        double largest = 0;
        for (int t = 0; t < FRAMES; t++) {
            float[] frame = new float[H * W];
            for (int i = 0; i < frame.length; i++) {
                frame[i] = video[i * FRAMES + t];
            }
            double[] expected = new double[H * W];
            if (t >= 5 && t < 30) {
                int[] neurons = {2, 0};
                double[] weights = {1.5, -0.5};
                for (int k = 0; k < 2; k++) {
                    expectedObjective += weights[k] * template.response(neurons[k], frame);
                    double[] g = template.responseGradient(neurons[k], frame);
                    for (int i = 0; i < g.length; i++) {
                        expected[i] += weights[k] * g[i];
                    }
                }
            }
            for (int i = 0; i < expected.length; i++) {
                largest = Math.max(largest, Math.abs(expected[i]));
                worst = Math.max(worst, Math.abs(gradient.data()[i * FRAMES + t] - expected[i]));
            }
        }
        float objectiveValue = Float.parseFloat(npy.header("X-Objective"));
        System.out.printf("/gradients on the template ensemble: J %.6f (closed form %.6f), gradient max error %.2e of the "
                + "largest entry%n", objectiveValue, expectedObjective, worst / largest);
        assertEquals(expectedObjective, objectiveValue, 1e-5 * Math.abs(expectedObjective));
        assertTrue(worst / largest < 1e-5, "max relative error " + worst / largest);

        // The same as JSON, with the objective sent as a file part.
        RawHttp.Response json = post(clip(video).file("objective", "objective.json", "application/json",
                objective.getBytes(java.nio.charset.StandardCharsets.UTF_8)), "application/json");
        assertEquals(200, json.status(), json.text());
        JsonNode body = JSON.readTree(json.body());
        assertEquals(objectiveValue, body.get("objective").floatValue());
        assertEquals(H, body.get("gradient").size());
        assertEquals(W, body.get("gradient").get(0).size());
        assertEquals(gradient.data()[(17 * W + 40) * FRAMES + 12], body.get("gradient").get(17).get(40).get(12).floatValue());
    }

    @Test
    void aBadObjectiveIsA422NamingWhatIsWrong() throws Exception {
        float[] video = video();
        Map<String, String> cases = Map.of(
                "{\"neurons\": []}", "at least one neuron",
                "{\"neurons\": [3]}", "not a neuron row",
                "{\"neurons\": [1, 1]}", "listed twice",
                "{\"neurons\": [0], \"frames\": \"30:40\"}", "inside the clip",
                "{\"neurons\": [0], \"frames\": \"x\"}", "START:END",
                "{\"neurons\": [0, 1], \"weights\": [1]}", "one entry per chosen neuron",
                "{\"neurons\": [0], \"weights\": [[1, 2]]}", "one weight per chosen frame",
                "{\"neuron\": [0]}", "neuron",
                "not json", "not a JSON object");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            RawHttp.Response response = post(clip(video).field("objective", c.getKey()), "application/json");
            System.out.printf("objective %s -> %d %s%n", c.getKey(), response.status(), response.text());
            assertEquals(422, response.status(), c.getKey() + ": " + response.text());
            assertTrue(response.header("Content-Type").startsWith("application/problem+json"));
            assertTrue(response.text().contains(c.getValue()), c.getKey() + ": " + response.text());
        }
        RawHttp.Response missing = post(clip(video), "application/json");
        assertEquals(422, missing.status(), missing.text());
        assertTrue(missing.text().contains("objective"));
    }
}
