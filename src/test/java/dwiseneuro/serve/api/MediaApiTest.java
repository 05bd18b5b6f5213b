package dwiseneuro.serve.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dwiseneuro.serve.Readiness;
import dwiseneuro.serve.media.Ffmpeg;
import dwiseneuro.serve.media.NpyArray;
import dwiseneuro.serve.media.NpyReader;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.specification.RequestSpecification;

/**
 * The upload formats and outputs of POST /v1/mice/{id}/responses, each against the plain .npy upload
 * of the same 36 frames of the demo sample: an mp4 made from those frames losslessly, an .npz, JSON
 * traces, omitted traces (training means), PNG, frame ranges and the competition's normalisation.
 */
@QuarkusTest
@TestProfile(StatsEnsembleProfile.class)
class MediaApiTest {

    static final int FRAMES = 36;
    static final String MOUSE = "demo-mouse-1";
    static final ObjectMapper JSON = new ObjectMapper();

    static NpyArray video;
    static NpyArray behavior;
    static NpyArray pupilCenter;
    static float[] reference;

    @BeforeAll
    static void arrays() {
        video = MediaClips.cut("video", FRAMES);
        behavior = MediaClips.cut("behavior", FRAMES);
        pupilCenter = MediaClips.cut("pupil_center", FRAMES);
    }

    @BeforeEach
    void ready() {
        Readiness.awaitReady();
        if (reference == null) {
            reference = responses(npyUpload());
        }
    }

    static RequestSpecification npyUpload() {
        return given()
                .multiPart("video", "video.npy", MediaClips.npy(video), MiceResource.NPY)
                .multiPart("behavior", "behavior.npy", MediaClips.npy(behavior), MiceResource.NPY)
                .multiPart("pupil_center", "pupil_center.npy", MediaClips.npy(pupilCenter), MiceResource.NPY);
    }

    static JsonNode json(RequestSpecification request, String query) {
        String body = request.accept("application/json")
                .post("/v1/mice/" + MOUSE + "/responses" + query)
                .then().statusCode(200).contentType("application/json").extract().asString();
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static float[] responses(RequestSpecification request) {
        return values(json(request, "").get("responses"));
    }

    static float[] values(JsonNode rows) {
        int width = rows.get(0).size();
        float[] out = new float[rows.size() * width];
        for (int r = 0; r < rows.size(); r++) {
            for (int t = 0; t < width; t++) {
                out[r * width + t] = (float) rows.get(r).get(t).asDouble();
            }
        }
        return out;
    }

    @Test
    void plainNpyUploadSaysNothingAboutPreprocessingAndListsUnitIds() {
        JsonNode body = json(npyUpload(), "");
        assertEquals(FRAMES, body.get("frames").asInt());
        assertEquals(30, body.get("fps").asInt());
        assertEquals(0, body.get("first_frame").asInt());
        assertEquals(1000, body.get("unit_ids").get(0).asInt());
        assertEquals(StatsEnsembleProfile.NEURONS, body.get("unit_ids").size());
        assertTrue(body.path("preprocessing").isMissingNode(), body.toString());
    }

    @Test
    void mp4OfTheSameFramesGivesTheSameResponses() throws Exception {
        Ffmpeg.require();
        Path raw = Files.createTempFile("frames", ".gray");
        Path mp4 = Files.createTempFile("clip", ".mp4");
        Files.write(raw, MediaClips.rawGray(video));
        // the demo's clip.mp4 recipe (models/demo/sample/make-clip-mp4.sh): lossless, full-range luma
        Ffmpeg.run("-f", "rawvideo", "-pix_fmt", "gray", "-s", "64x36", "-r", "30", "-i", raw.toString(),
                "-c:v", "libx264", "-qp", "0", "-pix_fmt", "yuvj420p", "-f", "mp4", mp4.toString());
        JsonNode body = json(given()
                .multiPart("video", "clip.mp4", Files.readAllBytes(mp4), "video/mp4")
                .multiPart("behavior", "behavior.npy", MediaClips.npy(behavior), MiceResource.NPY)
                .multiPart("pupil_center", "pupil_center.npy", MediaClips.npy(pupilCenter), MiceResource.NPY), "");
        assertEquals(FRAMES, body.get("frames").asInt());
        JsonNode file = body.get("preprocessing").get("video_file");
        assertEquals("h264", file.get("codec").asText());
        assertEquals(30.0, file.get("source_fps").asDouble(), 1e-9);
        assertTrue(file.path("resize").isMissingNode() && file.path("resample").isMissingNode(), file.toString());
        assertArrayEquals(reference, values(body.get("responses")), 1e-5f);
        Files.delete(raw);
        Files.delete(mp4);
    }

    @Test
    void sixtyFpsMp4IsConvertedTo30AndSaysSo() throws Exception {
        Ffmpeg.require();
        Path raw = Files.createTempFile("frames", ".gray");
        Path mp4 = Files.createTempFile("clip60", ".mp4");
        // each frame twice at 60 fps: converted to 30 fps it must be the 30 fps clip again
        byte[] frames = MediaClips.rawGray(video);
        byte[] doubled = new byte[frames.length * 2];
        int size = 64 * 36;
        for (int k = 0; k < FRAMES; k++) {
            System.arraycopy(frames, k * size, doubled, 2 * k * size, size);
            System.arraycopy(frames, k * size, doubled, (2 * k + 1) * size, size);
        }
        Files.write(raw, doubled);
        Ffmpeg.run("-f", "rawvideo", "-pix_fmt", "gray", "-s", "64x36", "-r", "60", "-i", raw.toString(),
                "-c:v", "libx264", "-qp", "0", "-pix_fmt", "yuvj420p", "-f", "mp4", mp4.toString());
        JsonNode body = json(given()
                .multiPart("video", "clip60.mp4", Files.readAllBytes(mp4), "video/mp4")
                .multiPart("behavior", "behavior.npy", MediaClips.npy(behavior), MiceResource.NPY)
                .multiPart("pupil_center", "pupil_center.npy", MediaClips.npy(pupilCenter), MiceResource.NPY), "");
        JsonNode file = body.get("preprocessing").get("video_file");
        assertEquals(60.0, file.get("source_fps").asDouble(), 1e-9);
        assertEquals(2 * FRAMES, file.get("source_frames").asInt());
        assertTrue(file.get("resample").asText().startsWith("60.000 fps to 30 fps"), file.toString());
        assertEquals(FRAMES, body.get("frames").asInt());
        assertArrayEquals(reference, values(body.get("responses")), 1e-5f);
        Files.delete(raw);
        Files.delete(mp4);
    }

    @Test
    void npzArchiveGivesTheSameResponses() throws IOException {
        // numpy's savez_compressed of the same 36 frames (src/test/resources/arrays/make_arrays.py)
        byte[] npz = Files.readAllBytes(Path.of("src/test/resources/arrays/clip_compressed.npz"));
        JsonNode body = json(given().multiPart("clip", "clip.npz", npz, "application/octet-stream"), "");
        assertArrayEquals(reference, values(body.get("responses")), 1e-5f);
        assertEquals("uploaded .npz", body.get("preprocessing").get("behavior").asText());
        // an .npz sent as the video part works too
        float[] asVideo = responses(given().multiPart("video", "clip.npz", npz, "application/octet-stream"));
        assertArrayEquals(reference, asVideo, 1e-5f);
    }

    @Test
    void jsonTracesGiveTheSameResponses() {
        JsonNode body = json(given()
                .multiPart("video", "video.npy", MediaClips.npy(video), MiceResource.NPY)
                .multiPart("behavior", "behavior.json", MediaClips.json(behavior), "application/json")
                .multiPart("pupil_center", "pupil_center.json", MediaClips.json(pupilCenter), "application/json"), "");
        assertEquals("uploaded JSON", body.get("preprocessing").get("behavior").asText());
        assertArrayEquals(reference, values(body.get("responses")), 1e-5f);
    }

    @Test
    void omittedTracesUseTheTrainingMeansAndTheResponseSaysSo() throws IOException {
        float[] meanBehavior = new float[2 * FRAMES];
        float[] meanPupil = new float[2 * FRAMES];
        for (int t = 0; t < FRAMES; t++) {
            meanBehavior[t] = (float) StatsEnsembleProfile.BEHAVIOR_MEAN[0];
            meanBehavior[FRAMES + t] = (float) StatsEnsembleProfile.BEHAVIOR_MEAN[1];
            meanPupil[t] = (float) StatsEnsembleProfile.PUPIL_CENTER_MEAN[0];
            meanPupil[FRAMES + t] = (float) StatsEnsembleProfile.PUPIL_CENTER_MEAN[1];
        }
        float[] explicit = responses(given()
                .multiPart("video", "video.npy", MediaClips.npy(video), MiceResource.NPY)
                .multiPart("behavior", "b.npy", dwiseneuro.serve.media.NpyWriter.float32(meanBehavior, 2, FRAMES), MiceResource.NPY)
                .multiPart("pupil_center", "p.npy", dwiseneuro.serve.media.NpyWriter.float32(meanPupil, 2, FRAMES), MiceResource.NPY));
        JsonNode body = json(given().multiPart("video", "video.npy", MediaClips.npy(video), MiceResource.NPY), "");
        JsonNode pre = body.get("preprocessing");
        assertTrue(pre.get("behavior").asText().startsWith("training mean from the manifest"), pre.toString());
        assertTrue(pre.get("pupil_center").asText().startsWith("training mean from the manifest"), pre.toString());
        assertEquals(2, pre.get("notes").size());
        assertArrayEquals(explicit, values(body.get("responses")), 1e-6f);
        // an .npz with only the video array is the same request
        float[] fromNpz = responses(given().multiPart("clip", "video-only.npz", videoOnlyNpz(), "application/octet-stream"));
        assertArrayEquals(explicit, fromNpz, 1e-5f);
    }

    @Test
    void omittedTracesWithoutMeansInTheManifestAre400() {
        given().multiPart("video", "video.npy", MediaClips.npy(video), MiceResource.NPY)
                .post("/v1/mice/demo-mouse-2/responses")
                .then().statusCode(400).contentType(Problem.MEDIA_TYPE)
                .body("detail", containsString("no training mean for mouse demo-mouse-2"));
    }

    @Test
    void pngIsAHeatmapOfNeuronsByTime() throws IOException {
        byte[] png = npyUpload().accept("image/png").post("/v1/mice/" + MOUSE + "/responses")
                .then().statusCode(200).contentType("image/png").extract().asByteArray();
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        assertTrue(image.getWidth() >= 400 && image.getHeight() >= 250, image.getWidth() + "x" + image.getHeight());
        // the plot's top-left cell shows neuron 0 at frame 0 in a viridis colour: not white, not grey
        int rgb = image.getRGB(75, 45);
        int r = rgb >> 16 & 0xff;
        int g = rgb >> 8 & 0xff;
        int b = rgb & 0xff;
        assertTrue(!(r == g && g == b), "expected a colour inside the plot, got " + Integer.toHexString(rgb));
    }

    @Test
    void npyOutputHonoursTheFrameRange() {
        byte[] npy = npyUpload().accept(MiceResource.NPY).post("/v1/mice/" + MOUSE + "/responses?frames=10:30")
                .then().statusCode(200).contentType(MiceResource.NPY).extract().asByteArray();
        NpyArray array = NpyReader.read("responses", npy);
        assertArrayEquals(new int[] {StatsEnsembleProfile.NEURONS, 20}, array.shape());
        for (int n = 0; n < StatsEnsembleProfile.NEURONS; n++) {
            for (int t = 0; t < 20; t++) {
                assertEquals(reference[n * FRAMES + 10 + t], array.data()[n * 20 + t], 1e-6f);
            }
        }
    }

    @Test
    void jsonFrameRangeAndNormalisation() {
        JsonNode body = json(npyUpload(), "?frames=30:&normalize=true");
        assertEquals(30, body.get("first_frame").asInt());
        assertEquals(FRAMES - 30, body.get("frames").asInt());
        assertTrue(body.get("normalized").asBoolean());
        float[] values = values(body.get("responses"));
        double mean = 0;
        for (int n = 0; n < StatsEnsembleProfile.NEURONS; n++) {
            mean += StatsEnsembleProfile.responseStd(n);
        }
        double floor = 0.01 * mean / StatsEnsembleProfile.NEURONS;
        int width = FRAMES - 30;
        for (int n = 0; n < StatsEnsembleProfile.NEURONS; n++) {
            double divisor = Math.max(StatsEnsembleProfile.responseStd(n), floor);
            for (int t = 0; t < width; t++) {
                assertEquals(reference[n * FRAMES + 30 + t] / divisor, values[n * width + t],
                        1e-5 * Math.abs(reference[n * FRAMES + 30 + t] / divisor) + 1e-6, "neuron " + n);
            }
        }
    }

    @Test
    void badRangesAndNormalisationWithoutStatisticsAreRefused() {
        npyUpload().post("/v1/mice/" + MOUSE + "/responses?frames=abc").then().statusCode(400)
                .body("detail", containsString("START:END"));
        npyUpload().post("/v1/mice/" + MOUSE + "/responses?frames=20:99").then().statusCode(422)
                .body("detail", containsString("inside the clip's 36 frames"));
        npyUpload().post("/v1/mice/" + MOUSE + "/responses?frames=20:20").then().statusCode(422);
        npyUpload().post("/v1/mice/demo-mouse-2/responses?normalize=true").then().statusCode(422)
                .contentType(Problem.MEDIA_TYPE).body("detail", containsString("response_std"));
    }

    @Test
    void unreadableVideoAndConflictingPartsAre400() {
        given().multiPart("video", "clip.mp4", "not a video at all".getBytes(), "video/mp4")
                .post("/v1/mice/" + MOUSE + "/responses")
                .then().statusCode(400).body("detail", containsString("or a video file FFmpeg can decode"));
        npyUpload().multiPart("clip", "clip.npz", new byte[] {'P', 'K', 3, 4}, "application/octet-stream")
                .post("/v1/mice/" + MOUSE + "/responses")
                .then().statusCode(400).body("detail", containsString("not both"));
        given().multiPart("video", "video.npy", MediaClips.npy(video), MiceResource.NPY)
                .multiPart("behavior", "b.json", "[[1, 2], [3]]", "application/json")
                .post("/v1/mice/" + MOUSE + "/responses")
                .then().statusCode(400).body("detail", containsString("different lengths"));
    }

    @Test
    void mouseListStillAnswers() {
        given().get("/v1/mice").then().statusCode(200).body("id", hasItem(MOUSE)).body("[0].neurons", equalTo(37))
                .body("[0].unit_ids", nullValue()).body("[0].id", notNullValue());
    }

    static byte[] videoOnlyNpz() throws IOException {
        byte[] npz = Files.readAllBytes(Path.of("src/test/resources/arrays/clip_compressed.npz"));
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(npz));
             ZipOutputStream zip = new ZipOutputStream(out)) {
            ZipEntry entry;
            while ((entry = in.getNextEntry()) != null) {
                if (entry.getName().equals("video.npy")) {
                    zip.putNextEntry(new ZipEntry("video.npy"));
                    in.transferTo(zip);
                    zip.closeEntry();
                }
            }
        }
        return out.toByteArray();
    }
}
