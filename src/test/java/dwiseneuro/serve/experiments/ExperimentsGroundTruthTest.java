package dwiseneuro.serve.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.time.Duration;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dwiseneuro.serve.batching.InferenceScheduler;
import dwiseneuro.serve.ensemble.Ensemble;
import dwiseneuro.serve.ensemble.Manifest;
import dwiseneuro.serve.experiments.analysis.DirectionSelectivity;
import dwiseneuro.serve.experiments.rf.ReceptiveFieldsType;
import dwiseneuro.serve.experiments.tuning.DirectionTuningType;
import dwiseneuro.serve.experiments.tuning.FrequencyTuningType;
import dwiseneuro.serve.experiments.tuning.SizeTuningType;
import dwiseneuro.serve.testing.ServiceHealth;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Ground truth: experiments run through the real service (its scheduler, the TorchScript member through
 * DJL) on neurons whose tuning is known by construction ({@link DetectorEnsembleProfile}). Direction
 * tuning must find every motion detector's preferred direction to within the direction step and rank
 * their DSIs as built; noise mapping must find every spot detector's centre to within 2 pixels;
 * frequency tuning must find the spatial frequency the detectors' filters are built for and the temporal
 * frequency their two-frame correlation favours; size tuning must tell the surround-suppressed neuron
 * from the plain one.
 */
@QuarkusTest
@TestProfile(DetectorEnsembleProfile.class)
class ExperimentsGroundTruthTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/")
    URL url;
    @Inject
    InferenceScheduler scheduler;
    @Inject
    Ensemble ensemble;
    @Inject
    DirectionTuningType directionTuning;
    @Inject
    ReceptiveFieldsType receptiveFields;
    @Inject
    FrequencyTuningType frequencyTuning;
    @Inject
    SizeTuningType sizeTuning;

    @BeforeEach
    void ready() throws Exception {
        ServiceHealth.awaitUp(url.toURI(), Duration.ofMinutes(3));
    }

    @Test
    void directionTuningRecoversPreferredDirectionsAndRanksDsi() throws Exception {
        Manifest.Mouse mouse = ensemble.mouse("motion").orElseThrow();
        Run run = run(directionTuning, "{\"type\": \"direction_tuning\", \"directions\": 16, "
                + "\"spatial_frequency\": 0.04, \"temporal_frequency\": 2}", "motion");
        assertEquals(16 * 60, run.windows(), "16 trials of 90 frames, 60 windows each");
        ExperimentResult result = run.result();
        JsonNode json = run.json();
        double[] preferred = numbers(json.get("preferred_direction"));
        double[] dsi = numbers(json.get("dsi"));
        double[] dsiVector = numbers(json.get("dsi_vector"));
        assertEquals(16, json.get("directions").size());
        assertEquals(mouse.neurons(), json.get("responses").size());
        assertEquals(16, json.get("responses").get(0).size());
        assertEquals(110.0, json.get("mean_luminance").asDouble(), "video_mean from the manifest");
        assertTrue(json.get("mean_luminance_source").asText().startsWith("manifest"));
        assertEquals("manifest (the mouse's training mean)", json.get("behavior_source").asText());
        assertTrue(json.get("response_measure").get("definition").asText().contains("baseline"));
        assertEquals("trial_003", json.get("stimuli").get(3).get("name").asText());
        assertEquals(67.5, json.get("stimuli").get(3).get("direction").asDouble(), "the result lists each trial's grating");
        JsonNode truth = DetectorEnsembleProfile.truth().get("motion");
        System.out.println("neuron  built dir  found dir  error   built DSI  found DSI  dsi_vector");
        for (int n = 0; n < mouse.neurons(); n++) {
            double built = truth.get(n).get("preferred_direction").asDouble();
            double error = DirectionSelectivity.circularDistance(built, preferred[n]);
            System.out.printf("%6d  %9.1f  %9.1f  %5.1f   %9.3f  %9.3f  %10.3f%n", n, built, preferred[n], error,
                    truth.get(n).get("dsi").asDouble(), dsi[n], dsiVector[n]);
            assertTrue(error <= 22.5, "neuron " + n + ": preferred direction " + preferred[n] + " vs built " + built);
        }
        for (int i = 0; i < mouse.neurons(); i++) {
            for (int j = 0; j < mouse.neurons(); j++) {
                double wi = truth.get(i).get("null_weight").asDouble();
                double wj = truth.get(j).get("null_weight").asDouble();
                if (wi < wj) {
                    assertTrue(dsi[i] > dsi[j], "DSI of neuron " + i + " (w " + wi + ") " + dsi[i]
                            + " should exceed neuron " + j + "'s (w " + wj + ") " + dsi[j]);
                    assertTrue(dsiVector[i] > dsiVector[j], "vector DSI ranks as built: " + i + " vs " + j);
                }
            }
        }
        assertTrue(result.plots().get("polar_tuning.png").length > 1000);
        assertEquals(mouse.neurons() * 16, result.arrays().get("responses").values().length);
    }

    @Test
    void noiseMappingRecoversEverySpotCentre() throws Exception {
        Manifest.Mouse mouse = ensemble.mouse("spots").orElseThrow();
        Run run = run(receptiveFields, "{\"type\": \"receptive_fields\", \"noise\": \"white\", "
                + "\"frames\": 2400, \"block_frames\": 4, \"check_px\": 2, \"seed\": 3, \"clip_frames\": 600, "
                + "\"behavior\": [1, 0], \"pupil_center\": [0, 0]}", "spots");
        assertEquals(4 * (600 - 30), run.windows());
        ExperimentResult result = run.result();
        JsonNode json = run.json();
        assertEquals("spec", json.get("behavior_source").asText());
        double[][] centres = rows(json.get("rf_center_px"));
        double[][] degrees = rows(json.get("rf_center_deg"));
        double[] r2 = numbers(json.get("rf_fit_r2"));
        double[] polarity = numbers(json.get("rf_polarity"));
        JsonNode truth = DetectorEnsembleProfile.truth().get("spots");
        System.out.println("neuron  built [x, y]     found [x, y]     error px  found [az, el] deg  polarity  r2");
        for (int n = 0; n < mouse.neurons(); n++) {
            double x = truth.get(n).get("x").asDouble();
            double y = truth.get(n).get("y").asDouble();
            double error = Math.hypot(centres[n][0] - x, centres[n][1] - y);
            System.out.printf("%6d  [%5.1f, %5.1f]   [%5.2f, %5.2f]   %6.2f    [%6.1f, %5.1f]     %+3.0f   %.2f%n", n, x, y,
                    centres[n][0], centres[n][1], error, degrees[n][0], degrees[n][1], polarity[n], r2[n]);
            assertTrue(error <= 2, "neuron " + n + ": centre " + centres[n][0] + ", " + centres[n][1] + " vs built " + x + ", " + y);
            assertEquals(truth.get(n).get("polarity").asDouble(), polarity[n], "neuron " + n + " ON/OFF");
        }
        ExperimentResult.Array maps = result.arrays().get("rf_maps");
        assertEquals(java.util.List.of(mouse.neurons(), 36, 64), java.util.Arrays.stream(maps.shape()).boxed().toList());
        assertTrue(result.plots().get("rf_mosaic.png").length > 1000);
    }

    @Test
    void frequencyTuningFindsTheFrequenciesTheDetectorsAreBuiltFor() throws Exception {
        Manifest.Mouse mouse = ensemble.mouse("motion").orElseThrow();
        JsonNode json = run(frequencyTuning, "{\"type\": \"frequency_tuning\", "
                + "\"spatial_frequencies\": [0.02, 0.04, 0.08], \"temporal_frequencies\": [1, 4, 7], \"directions\": 8, "
                + "\"timing\": {\"gray_before_frames\": 20, \"stimulus_frames\": 40}}", "motion").json();
        double[] sf = numbers(json.get("preferred_spatial_frequency"));
        double[] tf = numbers(json.get("preferred_temporal_frequency"));
        double built = DetectorEnsembleProfile.truth().get("motion_spatial_frequency").asDouble();
        // M = |z|^2 sin(2 pi tf dt), dt = 2 frames at 30 fps: largest at 3.75 Hz, so 4 Hz of 1, 4, 7
        System.out.println("neuron  preferred SF (built " + built + ")  preferred TF (expected 4)");
        for (int n = 0; n < mouse.neurons(); n++) {
            System.out.printf("%6d  %8.3f  %8.1f%n", n, sf[n], tf[n]);
            assertEquals(built, sf[n], 1e-9, "neuron " + n);
            assertEquals(4.0, tf[n], 1e-9, "neuron " + n);
        }
        assertEquals(3, json.get("responses").get(0).size());
        assertEquals(3, json.get("responses").get(0).get(0).size());
    }

    @Test
    void sizeTuningTellsTheSurroundSuppressedNeuron() throws Exception {
        JsonNode json = run(sizeTuning, "{\"type\": \"size_tuning\", \"center_px\": [31.5, 17.5], "
                + "\"radii_deg\": [5, 10, 20, 30, 45, 60, 90], \"directions\": [0], "
                + "\"timing\": {\"gray_before_frames\": 20, \"stimulus_frames\": 40}}", "surround").json();
        double[] size = numbers(json.get("preferred_size"));
        double[] ssi = numbers(json.get("surround_suppression"));
        System.out.printf("plain neuron: preferred size %.0f deg, SSI %.3f; suppressed neuron: %.0f deg, SSI %.3f%n",
                size[0], ssi[0], size[1], ssi[1]);
        assertTrue(ssi[0] < 0.1, "the plain detector is not suppressed: " + ssi[0]);
        assertTrue(ssi[1] > 0.4, "the centre-surround detector is suppressed: " + ssi[1]);
        assertTrue(size[1] < size[0], "suppression makes the preferred size smaller");
    }

    /** A finished run: the result and its JSON as the API serialises it. */
    record Run(ExperimentResult result, JsonNode json, long windows) {
    }

    /**
     * Runs {@code spec} for {@code mouse} through the scheduler, checks that it submitted exactly the
     * windows it announced, and keeps its plots under target/experiment-plots.
     */
    private Run run(ExperimentType type, String spec, String mouse) throws Exception {
        Manifest manifest = ensemble.manifest().orElseThrow();
        Manifest.Mouse m = ensemble.mouse(mouse).orElseThrow();
        Experiment experiment = type.parse(JSON.readTree(spec), manifest, m);
        SchedulerContext context = new SchedulerContext(scheduler, manifest, m);
        ExperimentResult result = experiment.run(context);
        assertEquals(experiment.totalWindows(), context.windows.get(), "totalWindows is what the run submits");
        keepPlots(result);
        return new Run(result, JSON.valueToTree(result.json()), experiment.totalWindows());
    }

    /** The plots under target/experiment-plots, to look at. */
    static void keepPlots(ExperimentResult result) throws java.io.IOException {
        java.nio.file.Path folder = java.nio.file.Files.createDirectories(java.nio.file.Path.of("target", "experiment-plots"));
        for (var plot : result.plots().entrySet()) {
            java.nio.file.Files.write(folder.resolve(plot.getKey()), plot.getValue());
        }
    }

    private static double[] numbers(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asDouble();
        }
        return out;
    }

    private static double[][] rows(JsonNode array) {
        double[][] out = new double[array.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = numbers(array.get(i));
        }
        return out;
    }
}
