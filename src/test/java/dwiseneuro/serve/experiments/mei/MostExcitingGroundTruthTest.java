package dwiseneuro.serve.experiments.mei;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dwiseneuro.serve.api.TemplateEnsembleProfile;
import dwiseneuro.serve.media.NpyArray;
import dwiseneuro.serve.media.NpyReader;
import dwiseneuro.serve.testing.NpzBytes;
import dwiseneuro.serve.testing.TemplateEnsemble;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;

/**
 * Ground truth for most_exciting jobs, over HTTP on the template ensemble: neuron n's response is a softplus
 * of the frame's projection on a known template, so under an RMS-contrast budget its most exciting image
 * is mean + budget x template (cosine 1 with the template) and its most inhibiting image the opposite.
 */
@QuarkusTest
@TestProfile(TemplateEnsembleProfile.class)
class MostExcitingGroundTruthTest {

    private static final String MOUSE = TemplateEnsemble.MOUSE;
    private static final int H = TemplateEnsemble.HEIGHT;
    private static final int W = TemplateEnsemble.WIDTH;

    /** Cosine between the MEI (frame 0 of the result's video) minus the mean and neuron n's template. */
    private static double cosine(float[] video, int frames, float[] template) {
        double dot = 0;
        double a = 0;
        double b = 0;
        for (int i = 0; i < H * W; i++) {
            double d = video[i * frames] - 127.5;
            dot += d * template[i];
            a += d * d;
            b += template[i] * template[i];
        }
        return dot / Math.sqrt(a * b);
    }

    @Test
    void theMeiUnderAnL2BudgetAlignsWithTheTemplateAndTheMostInhibitingAntiAligns() throws Exception {
        TemplateEnsemble template = TemplateEnsembleProfile.ensemble();
        int neuron = 1;
        String common = "\"type\": \"most_exciting\", \"neurons\": [" + neuron + "], \"steps\": 120, \"starts\": 2, "
                + "\"length\": 40, \"contrast\": 20, \"lr\": 2";
        String exciting = MeiJobs.start(MOUSE, "{" + common + "}");
        String inhibiting = MeiJobs.start(MOUSE, "{" + common + ", \"maximize\": false}");
        double[] cosines = new double[2];
        String[] ids = {exciting, inhibiting};
        for (int k = 0; k < 2; k++) {
            JsonPath job = MeiJobs.finish(ids[k], Duration.ofMinutes(4));
            Map<String, NpyArray> npz = NpzBytes.read(given().get("/v1/experiments/" + ids[k] + "/result.npz").asByteArray());
            NpyArray video = npz.get("video");
            assertEquals("(36, 64, 40)", video.shapeText());
            cosines[k] = cosine(video.data(), 40, template.template(neuron));
            JsonPath result = given().get("/v1/experiments/" + ids[k] + "/result").jsonPath();
            System.out.printf("most_exciting on the template ensemble, %s: cosine with the template %.4f, objective %.4f "
                            + "(from the responses to it %.4f), RMS contrast %.3f (budget 20), %s windows%n",
                    k == 0 ? "maximize" : "minimize", cosines[k], result.getDouble("best_objective"),
                    result.getDouble("objective_check"), result.getDouble("rms_contrast"), job.getString("windows_done"));
            assertEquals(result.getDouble("best_objective"), result.getDouble("objective_check"),
                    1e-4 * Math.abs(result.getDouble("objective_check")), "the optimum's objective is what /responses gives");
            assertTrue(result.getDouble("rms_contrast") <= 20 + 1e-3);
        }
        assertTrue(cosines[0] >= 0.9, "MEI cosine " + cosines[0]);
        assertTrue(cosines[1] <= -0.9, "most inhibiting cosine " + cosines[1]);

        // The files: the stimulus as .npy (the result's video exactly), .mp4 and PNG, the objective plot.
        JsonPath result = given().get("/v1/experiments/" + exciting + "/result").jsonPath();
        assertEquals(List.of("best.npy", "best.mp4", "mei.png"), result.getList("files"));
        NpyArray npy = NpyReader.read("best.npy", given().get("/v1/experiments/" + exciting + "/files/best.npy").asByteArray());
        NpyArray fromNpz = NpzBytes.read(given().get("/v1/experiments/" + exciting + "/result.npz").asByteArray()).get("video");
        assertTrue(java.util.Arrays.equals(npy.data(), fromNpz.data()));
        Response mp4 = given().get("/v1/experiments/" + exciting + "/files/best.mp4");
        assertEquals(200, mp4.statusCode());
        assertTrue(mp4.contentType().startsWith("video/mp4"));
        for (String png : List.of("/files/mei.png", "/plots/objective.png", "/plots/stimulus.png")) {
            byte[] body = given().get("/v1/experiments/" + exciting + png).asByteArray();
            assertTrue(body.length > 100 && body[1] == 'P' && body[2] == 'N' && body[3] == 'G', png);
        }
    }

    @Test
    void badSpecsAre422NamingTheField() {
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("{\"type\": \"most_exciting\"}", "neurons");
        cases.put("{\"type\": \"most_exciting\", \"neurons\": [7]}", "neurons[0]");
        cases.put("{\"type\": \"most_exciting\", \"neurons\": [0, 0]}", "neurons[1]");
        cases.put("{\"type\": \"most_exciting\", \"neurons\": [0], \"steps\": 0}", "steps");
        cases.put("{\"type\": \"most_exciting\", \"neurons\": [0], \"kind\": \"image\"}", "kind");
        cases.put("{\"type\": \"most_exciting\", \"neurons\": [0], \"optimizer\": \"lbfgs\"}", "optimizer");
        cases.put("{\"type\": \"most_exciting\", \"neurons\": [0], \"length\": 20}", "length");
        cases.put("{\"type\": \"most_exciting\", \"neurons\": [0], \"frames\": \"30:50\"}", "frames");
        cases.put("{\"type\": \"most_exciting\", \"neurons\": [0], \"contrast\": -1}", "contrast");
        cases.put("{\"type\": \"most_exciting\", \"neurons\": [0], \"weights\": [1, 2]}", "weights");
        cases.put("{\"type\": \"most_exciting\", \"neurons\": [0], \"blur\": {\"sigma\": 1, \"sigma_end\": 2}}", "blur");
        cases.put("{\"type\": \"most_exciting\", \"neurons\": [0], \"mask\": {\"center_deg\": [0, 0], \"radius_deg\": 0.01}}",
                "mask.radius_deg");
        cases.put("{\"type\": \"most_exciting\", \"neurons\": [0], \"natural\": [\"not base64!\"]}", "natural[0]");
        cases.put("{\"type\": \"most_exciting\", \"neurons\": [0], \"stepz\": 3}", "stepz");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Response response = given().contentType("application/json").body(c.getKey()).post("/v1/mice/" + MOUSE + "/experiments");
            System.out.printf("%s -> %d %s%n", c.getKey(), response.statusCode(), response.asString());
            assertEquals(422, response.statusCode(), c.getKey() + ": " + response.asString());
            assertEquals(c.getValue(), response.jsonPath().getString("field"), c.getKey() + ": " + response.asString());
        }
    }
}
