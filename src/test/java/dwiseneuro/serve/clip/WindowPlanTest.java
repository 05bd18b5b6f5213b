package dwiseneuro.serve.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class WindowPlanTest {

    private final WindowPlan plan = WindowPlan.of(16, 2, "last");

    @Test
    void theOriginalWindowEndsAtItsTargetAndSpansThirtyOneFrames() {
        assertEquals(31, plan.minLength());
        assertEquals(30, plan.firstEnd());
        assertEquals(46, plan.lastEnd(47));
        assertEquals(17, plan.windowCount(47)); // ends 30..46, as the reference vectors
        assertEquals(1, plan.windowCount(31));
        assertEquals(0, plan.windowCount(30));
        assertEquals(0, plan.firstFrame(30));
        assertEquals(16, plan.firstFrame(46));
    }

    @Test
    void coverageCountsWindowsPerFrameByHand() {
        // 33 frames: windows end at 30, 31, 32 and cover 0,2,..,30 / 1,3,..,31 / 2,4,..,32.
        float[] coverage = plan.coverage(33);
        float[] expected = new float[33];
        for (int t = 0; t < 33; t++) {
            int count = 0;
            for (int end = 30; end <= 32; end++) {
                if (t <= end && t >= end - 30 && (end - t) % 2 == 0) {
                    count++;
                }
            }
            expected[t] = Math.max(count, 1);
        }
        assertArrayEquals(expected, coverage);
        assertEquals(1f, coverage[0]);  // only the window ending at 30
        assertEquals(2f, coverage[2]);  // windows ending at 30 and 32
        assertEquals(1f, coverage[1]);  // only the window ending at 31
    }

    @Test
    void otherPositionsFollowTheOriginalIndexesGenerator() {
        WindowPlan middle = WindowPlan.of(16, 2, "middle");
        assertEquals(16, middle.firstEnd());  // behind = 8 * 2
        assertEquals(33 - 1 - 14, middle.lastEnd(33));  // ahead = 7 * 2
        WindowPlan first = WindowPlan.of(4, 1, "first");
        assertEquals(0, first.firstEnd());
        assertEquals(0, first.firstFrame(0));
        assertThrows(IllegalArgumentException.class, () -> WindowPlan.of(16, 2, "end"));
    }
}
