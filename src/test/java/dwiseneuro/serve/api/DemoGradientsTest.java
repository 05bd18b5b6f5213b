package dwiseneuro.serve.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import dwiseneuro.serve.media.NpyArray;
import dwiseneuro.serve.media.NpyReader;
import dwiseneuro.serve.testing.Multipart;
import dwiseneuro.serve.testing.NpyBytes;
import dwiseneuro.serve.testing.RawHttp;
import dwiseneuro.serve.testing.SampleClip;
import dwiseneuro.serve.testing.ServiceHealth;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.common.http.TestHTTPResource;

/**
 * /gradients on the bundled demo ensemble equals central finite differences of /responses: for a few
 * pixels (among the 500 largest entries) J(video + h e) - J(video - h e) over 2h,
 * J summed from the responses the service answers, against the gradient it answers.
 */
@QuarkusTest
class DemoGradientsTest {

    private static final String MOUSE = "demo-mouse-1";
    private static final int FRAMES = 40;
    private static final int H = SampleClip.HEIGHT;
    private static final int W = SampleClip.WIDTH;
    private static final int[] NEURONS = {0, 5};
    private static final int FIRST = 30;
    private static final float STEP = 2f;

    @TestHTTPResource("/")
    URL url;

    private RawHttp.Response post(String what, Multipart body) throws Exception {
        return RawHttp.exchange(url.toURI(), "POST", "/v1/mice/" + MOUSE + "/" + what,
                Map.of("Content-Type", body.contentType(), "Accept", "application/x-npy"), body.build(), false,
                Duration.ofMinutes(2));
    }

    private static Multipart clip(float[] video) {
        return new Multipart().file("video", "video.npy", "application/octet-stream", NpyBytes.float32(video, H, W, FRAMES))
                .file("behavior", "behavior.npy", "application/octet-stream", SampleClip.part("behavior", FRAMES))
                .file("pupil_center", "pupil_center.npy", "application/octet-stream", SampleClip.part("pupil_center", FRAMES));
    }

    /** J from the service's responses: the chosen neurons summed over frames 30..39. */
    private double objective(float[] video) throws Exception {
        RawHttp.Response response = post("responses", clip(video));
        assertEquals(200, response.status(), response.text());
        float[] r = NpyReader.read("responses", response.body()).data();
        double sum = 0;
        for (int n : NEURONS) {
            for (int t = FIRST; t < FRAMES; t++) {
                sum += r[n * FRAMES + t];
            }
        }
        return sum;
    }

    @Test
    void theGradientEqualsCentralFiniteDifferencesOfTheResponses() throws Exception {
        ServiceHealth.awaitUp(url.toURI(), Duration.ofMinutes(3));
        float[] video = SampleClip.videoValues(FRAMES);
        RawHttp.Response answer = post("gradients", clip(video).field("objective", "{\"neurons\": [0, 5], \"frames\": \"30:\"}"));
        assertEquals(200, answer.status(), answer.text());
        NpyArray gradient = NpyReader.read("gradient", answer.body());
        assertEquals("(36, 64, 40)", gradient.shapeText());
        float[] g = gradient.data();
        double objective = objective(video);
        assertEquals(objective, Double.parseDouble(answer.header("X-Objective")), 1e-5 * Math.abs(objective),
                "J of /gradients is the sum of /responses");

        // The three largest entries and two further down (ranks 50 and 500): where a float32 difference of J
        // resolves the derivative (far smaller entries drown in J's rounding).
        List<Integer> ranked = IntStream.range(0, g.length).boxed()
                .sorted(Comparator.comparingDouble(i -> -Math.abs(g[i]))).limit(501).toList();
        List<Integer> pixels = new ArrayList<>(List.of(ranked.get(0), ranked.get(1), ranked.get(2), ranked.get(50), ranked.get(500)));
        double largest = Math.abs(g[pixels.get(0)]);
        double worst = 0;
        for (int pixel : pixels) {
            float[] up = SampleClip.copy(video);
            float[] down = SampleClip.copy(video);
            up[pixel] += STEP;
            down[pixel] -= STEP;
            double difference = (objective(up) - objective(down)) / (2 * STEP);
            double error = Math.abs(difference - g[pixel]) / Math.max(Math.abs(difference), 1e-3 * largest);
            worst = Math.max(worst, error);
            System.out.printf("demo gradient at (y %d, x %d, t %d): /gradients %.6e, central difference %.6e, "
                    + "relative error %.2e%n", pixel / FRAMES / W, pixel / FRAMES % W, pixel % FRAMES, g[pixel], difference, error);
        }
        assertTrue(worst <= 1e-2, "relative error " + worst);
    }
}
