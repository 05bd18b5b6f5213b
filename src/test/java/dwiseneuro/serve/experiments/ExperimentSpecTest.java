package dwiseneuro.serve.experiments;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dwiseneuro.serve.ensemble.Ensemble;
import dwiseneuro.serve.ensemble.Manifest;
import dwiseneuro.serve.experiments.rf.ReceptiveFieldsType;
import dwiseneuro.serve.media.NpyArray;
import dwiseneuro.serve.media.NpyReader;
import dwiseneuro.serve.experiments.tuning.DirectionTuningType;
import dwiseneuro.serve.experiments.tuning.FrequencyTuningType;
import dwiseneuro.serve.experiments.tuning.SizeTuningType;
import dwiseneuro.serve.testing.OpenApiExamples;
import dwiseneuro.serve.testing.ServiceHealth;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Specs: every bad one is refused naming its field (the API's 422), the cost of a good one is known
 * before it runs, its stimuli can be listed and rendered; and GET /v1/display reports the geometry.
 * Same profile as the ground-truth test, so the same application serves both.
 */
@QuarkusTest
@TestProfile(DetectorEnsembleProfile.class)
class ExperimentSpecTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/")
    URL url;
    @Inject
    Ensemble ensemble;
    @Inject
    DirectionTuningType direction;
    @Inject
    FrequencyTuningType frequency;
    @Inject
    SizeTuningType size;
    @Inject
    ReceptiveFieldsType receptiveFields;
    @Inject
    @Any
    Instance<ExperimentType> types;

    @BeforeEach
    void ready() throws Exception {
        ServiceHealth.awaitUp(url.toURI(), Duration.ofMinutes(3));
    }

    private ExperimentType type(String spec) throws Exception {
        String name = JSON.readTree(spec).path("type").asText();
        return List.of(direction, frequency, size, receptiveFields).stream()
                .filter(t -> t.name().equals(name)).findFirst().orElse(direction);
    }

    private Experiment parse(String spec, String mouse) throws Exception {
        Manifest manifest = ensemble.manifest().orElseThrow();
        return type(spec).parse(JSON.readTree(spec), manifest, ensemble.mouse(mouse).orElseThrow());
    }

    @Test
    void badSpecsAreRefusedNamingTheField() throws Exception {
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("{\"type\": \"direction_tuning\", \"directions\": 2}", "directions");
        cases.put("{\"type\": \"direction_tuning\", \"directions\": \"many\"}", "directions");
        cases.put("{\"type\": \"direction_tuning\", \"directions\": [0, 90, 90, 180]}", "directions[2]");
        cases.put("{\"type\": \"direction_tuning\", \"spatial_frequency\": 0.5}", "spatial_frequency[0]");
        cases.put("{\"type\": \"direction_tuning\", \"temporal_frequency\": [2, 9]}", "temporal_frequency[1]");
        cases.put("{\"type\": \"direction_tuning\", \"contrast\": 1.5}", "contrast");
        cases.put("{\"type\": \"direction_tuning\", \"contrast\": \"high\"}", "contrast");
        cases.put("{\"type\": \"direction_tuning\", \"mean_luminance\": 200}", "contrast"); // 200 * (1 + 1) > 255
        cases.put("{\"type\": \"direction_tuning\", \"mean_luminance\": 300}", "mean_luminance");
        cases.put("{\"type\": \"direction_tuning\", \"colour\": \"red\"}", "colour");
        cases.put("{\"type\": \"direction_tuning\", \"timing\": {\"gray_before_frames\": 5, \"stimulus_frames\": 10}}", "timing");
        cases.put("{\"type\": \"direction_tuning\", \"timing\": {\"stimulus_frames\": 0}}", "timing.stimulus_frames");
        cases.put("{\"type\": \"direction_tuning\", \"response\": {\"latency_frames\": 70}}", "response.latency_frames");
        cases.put("{\"type\": \"direction_tuning\", \"aperture\": {\"center_deg\": [0, 0], \"center_px\": [3, 3]}}",
                "aperture.center_deg");
        cases.put("{\"type\": \"direction_tuning\", \"aperture\": {\"radius_deg\": -3}}", "aperture.radius_deg");
        cases.put("{\"type\": \"direction_tuning\", \"aperture\": {\"center_px\": [70, 3], \"radius_deg\": 10}}",
                "aperture.center_px");
        cases.put("{\"type\": \"direction_tuning\", \"behavior\": [1]}", "behavior");
        cases.put("{\"type\": \"direction_tuning\", \"plot_neurons\": [99]}", "plot_neurons[0]");
        cases.put("{\"type\": \"frequency_tuning\", \"spatial_frequencies\": []}", "spatial_frequencies");
        cases.put("{\"type\": \"size_tuning\", \"radii_deg\": [10, 10]}", "radii_deg[1]");
        cases.put("{\"type\": \"size_tuning\", \"center_px\": [70, 3]}", "center_px");
        cases.put("{\"type\": \"size_tuning\", \"surround\": {\"orientation\": \"diagonal\"}}", "surround.orientation");
        cases.put("{\"type\": \"receptive_fields\", \"noise\": \"pink\"}", "noise");
        cases.put("{\"type\": \"receptive_fields\", \"spots\": 3}", "spots");
        cases.put("{\"type\": \"receptive_fields\", \"frames\": 100000}", "frames");
        cases.put("{\"type\": \"receptive_fields\", \"check_px\": 0}", "check_px");
        cases.put("{\"type\": \"receptive_fields\", \"clip_frames\": 4000}", "clip_frames");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            SpecException e = assertThrows(SpecException.class, () -> parse(c.getKey(), "motion"), c.getKey());
            System.out.printf("%-40s %s%n", e.field(), e.getMessage());
            assertEquals(c.getValue(), e.field(), c.getKey() + " -> " + e.getMessage());
        }
        // the spots mouse has no behavior_mean in the manifest: the spec must give it
        SpecException missing = assertThrows(SpecException.class, () -> parse("{\"type\": \"direction_tuning\"}", "spots"));
        assertEquals("behavior", missing.field());
        SpecException wrongType = assertThrows(SpecException.class, () -> direction.parse(
                JSON.readTree("{\"type\": \"size_tuning\"}"), ensemble.manifest().orElseThrow(), ensemble.mouse("motion").orElseThrow()));
        assertEquals("type", wrongType.field());
    }

    @Test
    void theCostIsKnownBeforeTheRunAndTheStimuliCanBeRendered() throws Exception {
        assertEquals(16 * 60, parse("{\"type\": \"direction_tuning\"}", "motion").totalWindows(), "16 trials of 90 frames");
        assertEquals(5 * 4 * 4 * 60, parse("{\"type\": \"frequency_tuning\"}", "motion").totalWindows());
        assertEquals(9 * 4 * 60, parse("{\"type\": \"size_tuning\"}", "motion").totalWindows());
        assertEquals(5 * 570, parse("{\"type\": \"receptive_fields\"}", "motion").totalWindows(), "5 clips of 600 frames");
        // 1000 frames of 6-frame blocks: 167 blocks; clips of 100 blocks + 3 latency frames: 603 and 405 frames
        assertEquals(573 + 375, parse("{\"type\": \"receptive_fields\", \"frames\": 1000, \"latency_frames\": 3}", "motion")
                .totalWindows());

        Experiment experiment = parse("{\"type\": \"direction_tuning\", \"directions\": 8, \"contrast\": 0.5}", "motion");
        StimulusDownloads stimuli = (StimulusDownloads) experiment;
        assertEquals(8, stimuli.stimulusNames().size());
        assertEquals("trial_003", stimuli.stimulusNames().get(3));
        NpyArray video = NpyReader.read("trial_003.npy", stimuli.npy("trial_003")); // direction 135
        assertEquals(List.of(36, 64, 90), java.util.Arrays.stream(video.shape()).boxed().toList());
        assertEquals(110f, video.data()[(5 * 64 + 5) * 90], "gray before onset at the manifest's video_mean");
        float lo = 255;
        float hi = 0;
        for (int i = 0; i < 36 * 64; i++) {
            lo = Math.min(lo, video.data()[i * 90 + 45]);
            hi = Math.max(hi, video.data()[i * 90 + 45]);
        }
        assertEquals(55f, lo, 1f, "contrast 0.5 about 110");
        assertEquals(165f, hi, 1f);
        StimulusDownloads noise = (StimulusDownloads) parse("{\"type\": \"receptive_fields\", \"frames\": 1000}", "motion");
        assertEquals(List.of("noise_000", "noise_001"), noise.stimulusNames());
        assertTrue(java.util.Arrays.equals(noise.npy("noise_001"), noise.npy("noise_001")), "rendered again, the same");
        assertTrue(noise.mp4("noise_001").length > 1000);
    }

    @Test
    void everyStimulusTypesOpenApiExampleIsAValidSpec() throws Exception {
        // Swagger UI's "Try it out" posts these examples as they are: each must be a spec the service runs.
        // most_exciting needs members with input_gradient, which the detectors lack: DemoMostExcitingTest runs its.
        Manifest manifest = ensemble.manifest().orElseThrow();
        List<String> checked = new java.util.ArrayList<>();
        for (String name : OpenApiExamples.experimentTypes()) {
            if (name.equals("most_exciting")) {
                continue;
            }
            ExperimentType type = types.stream().filter(t -> t.name().equals(name)).findFirst()
                    .orElseThrow(() -> new AssertionError("the OpenAPI document lists " + name + ", no bean runs it"));
            Experiment experiment = type.parse(OpenApiExamples.experimentSpec(name), manifest,
                    ensemble.mouse("motion").orElseThrow());
            assertTrue(experiment.totalWindows() > 0, name);
            checked.add(name + " (" + experiment.totalWindows() + " windows)");
        }
        System.out.println("OpenAPI examples that parse: " + checked);
        assertEquals(4, checked.size(), "direction, frequency and size tuning, receptive fields: " + checked);
    }

    @Test
    void theDisplayIsReported() {
        io.restassured.path.json.JsonPath display = given().baseUri(url.toString()).get("/v1/display").then()
                .statusCode(200).extract().jsonPath();
        assertEquals("default (Sensorium 2023 rig)", display.getString("source"));
        assertEquals(56.5, display.getDouble("screen_width_cm"), 1e-9);
        assertEquals(61.66, display.getDouble("azimuth_range_deg[1]"), 0.01);
        assertEquals(3.372, display.getDouble("deg_per_px_center[0]"), 0.001);
        assertEquals(0.1482, display.getDouble("nyquist_cycles_per_deg"), 0.0001);
        assertTrue(display.get("azimuth_deg") == null, "no maps unless asked");
        given().baseUri(url.toString()).queryParam("maps", true).get("/v1/display").then().statusCode(200)
                .body("azimuth_deg", hasSize(36)).body("elevation_deg[0]", hasSize(64));
    }
}
