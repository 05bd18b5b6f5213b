package dwiseneuro.serve.faults;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

import dwiseneuro.serve.media.NpyArray;
import dwiseneuro.serve.media.NpyReader;
import dwiseneuro.serve.testing.Multipart;
import dwiseneuro.serve.testing.NpyBytes;
import dwiseneuro.serve.testing.RawHttp;
import dwiseneuro.serve.testing.SampleClip;

/**
 * A clip for the probe members of {@link ProbeMemberProfiles}: behavior 0 is {@code offset + t} at frame
 * t, so that neuron n of the mouse with readout index m must answer exactly offset + t + n + 1000 m;
 * pupil x and y are constant (a marker, or 0).
 */
record ProbeClip(String mouse, int index, int neurons, int frames, float offset, float pupilX, float pupilY) {

    static ProbeClip of(String mouse, int index, int neurons, int frames, float offset) {
        return new ProbeClip(mouse, index, neurons, frames, offset, 0f, 0f);
    }

    ProbeClip withPupil(float x, float y) {
        return new ProbeClip(mouse, index, neurons, frames, offset, x, y);
    }

    byte[] body() {
        float[] behavior = new float[2 * frames];
        float[] pupil = new float[2 * frames];
        for (int t = 0; t < frames; t++) {
            behavior[t] = offset + t;
            pupil[t] = pupilX;
            pupil[frames + t] = pupilY;
        }
        return new Multipart()
                .file("video", "video.npy", "application/octet-stream", SampleClip.part("video", frames))
                .file("behavior", "behavior.npy", "application/octet-stream", NpyBytes.float32(behavior, 2, frames))
                .file("pupil_center", "pupil_center.npy", "application/octet-stream", NpyBytes.float32(pupil, 2, frames))
                .build();
    }

    /** The known answer, neurons x frames in C order. */
    float[] expected() {
        float[] values = new float[neurons * frames];
        for (int n = 0; n < neurons; n++) {
            for (int t = 0; t < frames; t++) {
                values[n * frames + t] = offset + t + n + 1000f * index;
            }
        }
        return values;
    }

    RawHttp.Response post(URI base) throws Exception {
        return RawHttp.exchange(base, "POST", "/v1/mice/" + mouse + "/responses",
                Map.of("Content-Type", new Multipart().contentType(), "Accept", "application/x-npy"),
                body(), false, Duration.ofSeconds(120));
    }

    /** The response is 200 and exactly the known answer. */
    void assertExact(RawHttp.Response response) {
        assertEquals(200, response.status(), response.text());
        NpyArray array = NpyReader.read("responses", response.body());
        assertArrayEquals(new int[] {neurons, frames}, new int[] {array.dim(0), array.dim(1)});
        float[] expected = expected();
        assertArrayEquals(expected, array.data(), 0f, mouse + " " + frames + " frames: not the known responses");
    }
}
