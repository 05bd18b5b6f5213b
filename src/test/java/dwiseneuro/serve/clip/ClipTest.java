package dwiseneuro.serve.clip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

import dwiseneuro.serve.media.NpyArray;

class ClipTest {

    private static final WindowPlan PLAN = WindowPlan.of(16, 2, "last");

    private static NpyArray array(String name, int rows, int cols, int frames, int valid) {
        int[] shape = cols < 0 ? new int[] {rows, frames} : new int[] {rows, cols, frames};
        int n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        float[] data = new float[n];
        for (int i = 0; i < n; i++) {
            data[i] = i % frames < valid ? i % 7 : Float.NaN;
        }
        return new NpyArray(name, shape, "float32", data);
    }

    private static Clip of(int frames, int valid) {
        return Clip.of(array("video", 36, 64, frames, valid), array("behavior", 2, -1, frames, valid),
                array("pupil_center", 2, -1, frames, valid), 36, 64, PLAN, 3600);
    }

    @Test
    void trailingNanFramesAreCut() {
        Clip clip = of(57, 47);
        assertEquals(47, clip.frames());
        assertEquals(36 * 64 * 47, clip.video().length);
        assertEquals(17, clip.windows(PLAN));
        assertTrue(Float.isFinite(clip.behavior()[2 * 47 - 1]));
    }

    @Test
    void tooFewFramesAreRefusedWith422() {
        ClipException e = assertThrows(ClipException.class, () -> of(40, 30));
        assertEquals(422, e.status());
        assertTrue(e.getMessage().contains("at least 31"), e.getMessage());
    }

    @Test
    void tooManyFramesAreRefusedWith413() {
        ClipException e = assertThrows(ClipException.class, () -> Clip.of(array("video", 36, 64, 50, 50),
                array("behavior", 2, -1, 50, 50), array("pupil_center", 2, -1, 50, 50), 36, 64, PLAN, 40));
        assertEquals(413, e.status());
    }

    @Test
    void nanInsideTheClipIsRefused() {
        NpyArray video = array("video", 36, 64, 40, 40);
        video.data()[5] = Float.NaN;
        ClipException e = assertThrows(ClipException.class, () -> Clip.of(video, array("behavior", 2, -1, 40, 40),
                array("pupil_center", 2, -1, 40, 40), 36, 64, PLAN, 3600));
        assertTrue(e.getMessage().contains("video has a NaN value at frame 5"), e.getMessage());
    }

    @Test
    void shapesAndLengthsMustMatch() {
        assertThrows(ClipException.class, () -> Clip.of(array("video", 36, 60, 40, 40),
                array("behavior", 2, -1, 40, 40), array("pupil_center", 2, -1, 40, 40), 36, 64, PLAN, 3600));
        ClipException e = assertThrows(ClipException.class, () -> Clip.of(array("video", 36, 64, 40, 40),
                array("behavior", 2, -1, 41, 41), array("pupil_center", 2, -1, 40, 40), 36, 64, PLAN, 3600));
        assertTrue(e.getMessage().startsWith("behavior must have shape (2, 40)"), e.getMessage());
        assertThrows(ClipException.class, () -> of(40, 0));
    }
}
