package dwiseneuro.serve.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dwiseneuro.serve.Readiness;
import dwiseneuro.serve.media.NpyArray;
import dwiseneuro.serve.media.NpyReader;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.specification.RequestSpecification;

/**
 * normalize=true over HTTP with the manifest's per-frame response std (StatsEnsembleProfile: mouse 1's
 * response_std in each of 40 frames): the responses times 1/std within the std's frames, and a clip
 * longer than the std refused before inference.
 */
@QuarkusTest
@TestProfile(StatsEnsembleProfile.class)
class NormaliseOverHttpTest {

    static final String MOUSE = "demo-mouse-1";

    @BeforeEach
    void ready() {
        Readiness.awaitReady();
    }

    static RequestSpecification upload(int frames) {
        return given().accept(MiceResource.NPY)
                .multiPart("video", "v.npy", MediaClips.npy(MediaClips.cut("video", frames)), MiceResource.NPY)
                .multiPart("behavior", "b.npy", MediaClips.npy(MediaClips.cut("behavior", frames)), MiceResource.NPY)
                .multiPart("pupil_center", "p.npy", MediaClips.npy(MediaClips.cut("pupil_center", frames)), MiceResource.NPY);
    }

    static NpyArray responses(int frames, String query) {
        return NpyReader.read("responses", upload(frames).post("/v1/mice/" + MOUSE + "/responses" + query)
                .then().statusCode(200).extract().asByteArray());
    }

    @Test
    void perFrameStdNormalisesWithinItsFramesAndRefusesLongerClips() {
        int frames = StatsEnsembleProfile.STD_FRAMES;
        NpyArray plain = responses(frames, "");
        NpyArray normalised = responses(frames, "?normalize=true&frames=10:");
        int width = frames - 10;
        for (int n = 0; n < StatsEnsembleProfile.NEURONS; n++) {
            for (int t = 0; t < width; t++) {
                float expected = plain.data()[n * frames + 10 + t] * precision(n);
                assertEquals(expected, normalised.data()[n * width + t], 1e-5f * Math.abs(expected) + 1e-6f, "neuron " + n);
            }
        }
        upload(frames + 1).post("/v1/mice/" + MOUSE + "/responses?normalize=true").then().statusCode(422)
                .body("detail", containsString("which has " + frames + " frames; this clip has " + (frames + 1)));
        upload(frames + 1).post("/v1/mice/" + MOUSE + "/responses").then().statusCode(200);
    }

    /** The original's precision (1/std, the std floored at 1% of its mean; neurons 3 and 7 are below) for neuron n. */
    static float precision(int n) {
        double mean = 0;
        for (int i = 0; i < StatsEnsembleProfile.NEURONS; i++) {
            mean += StatsEnsembleProfile.responseStd(i);
        }
        double threshold = 0.01 * mean / StatsEnsembleProfile.NEURONS;
        double std = StatsEnsembleProfile.responseStd(n);
        return (float) (1 / (std > threshold ? std : threshold));
    }
}
