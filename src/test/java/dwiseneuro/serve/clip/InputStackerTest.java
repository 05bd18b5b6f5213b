package dwiseneuro.serve.clip;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class InputStackerTest {

    @Test
    void videoIsCentredAndTracesFillWholeChannels() {
        // A 2x3 video of 2 frames on a 4x5 canvas: rows 1..2, columns 1..3.
        int h = 2, w = 3, t = 2;
        float[] video = new float[h * w * t];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int f = 0; f < t; f++) {
                    video[(y * w + x) * t + f] = 100 * f + 10 * y + x + 1;
                }
            }
        }
        float[] behavior = {5, 6, 7, 8};      // rows (5, 6) and (7, 8)
        float[] pupil = {90, 91, 120, 121};
        Clip clip = new Clip(h, w, t, video, behavior, pupil);
        float[] out = new InputStacker(4, 5, 0f).stack(clip);
        int plane = 20;
        assertEquals(5 * t * plane, out.length);
        // channel 0, frame 1, canvas row 2 (video row 1), canvas column 3 (video column 2)
        assertEquals(100 + 10 + 2 + 1, out[(0 * t + 1) * plane + 2 * 5 + 3]);
        assertEquals(1, out[(0 * t + 0) * plane + 1 * 5 + 1]);
        assertEquals(0, out[(0 * t + 0) * plane]);           // padding
        assertEquals(0, out[(0 * t + 0) * plane + 3 * 5 + 4]);
        for (int i = 0; i < plane; i++) {
            assertEquals(5, out[(1 * t + 0) * plane + i]);
            assertEquals(6, out[(1 * t + 1) * plane + i]);
            assertEquals(7, out[(2 * t + 0) * plane + i]);
            assertEquals(8, out[(2 * t + 1) * plane + i]);
            assertEquals(90, out[(3 * t + 0) * plane + i]);
            assertEquals(121, out[(4 * t + 1) * plane + i]);
        }
    }

    @Test
    void paddingValueFillsOnlyTheVideoChannel() {
        Clip clip = new Clip(1, 1, 1, new float[] {9}, new float[] {1, 2}, new float[] {3, 4});
        float[] out = new InputStacker(3, 3, -1f).stack(clip);
        assertEquals(-1f, out[0]);
        assertEquals(9f, out[4]);
        assertEquals(1f, out[9]);
    }
}
