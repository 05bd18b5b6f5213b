package dwiseneuro.serve.experiments;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dwiseneuro.serve.ensemble.Manifest;
import dwiseneuro.serve.experiments.display.DisplayGeometry;
import dwiseneuro.serve.experiments.stimulus.Aperture;
import dwiseneuro.serve.experiments.stimulus.Grating;
import dwiseneuro.serve.experiments.stimulus.LuminanceSteps;
import dwiseneuro.serve.experiments.stimulus.Sequence;
import dwiseneuro.serve.experiments.stimulus.GratingStimulus;
import dwiseneuro.serve.experiments.stimulus.Noise;
import dwiseneuro.serve.experiments.stimulus.NoiseStimulus;
import dwiseneuro.serve.experiments.stimulus.StimulusFiles;
import dwiseneuro.serve.experiments.stimulus.StimulusVideo;
import dwiseneuro.serve.experiments.stimulus.Surround;
import dwiseneuro.serve.media.NpyArray;
import dwiseneuro.serve.media.NpyReader;
import dwiseneuro.serve.media.VideoDecoder;

/**
 * The stimulus generator against closed forms on the Sensorium rig (56.5 x 31.8 cm at 15 cm, 36 x 64
 * pixels): where a grating's bars are and how far they drift per frame from its spatial and temporal
 * frequency, which pixels an aperture covers, and that noise is reproduced by its seed. The closed forms
 * go the other way round from the generator (screen position from angle with tan, not angle from
 * position with atan).
 */
class StimulusClosedFormTest {

    private static final int W = 64;
    private static final int H = 36;
    private static final double D = 15.0;
    private static final double CM_PER_PX = 56.5 / 64;
    private static final double MEAN = 110;
    private static final int FPS = 30;
    private final DisplayGeometry display = new DisplayGeometry(Manifest.Display.SENSORIUM_2023, false, H, W);

    /** The column whose centre lies at azimuth {@code az} (degrees): x = W/2 - 1/2 + d tan(az) / (cm per px). */
    private static double columnAt(double az) {
        return W / 2.0 - 0.5 + D * Math.tan(Math.toRadians(az)) / CM_PER_PX;
    }

    @Test
    void theDisplayMapsPixelsByTheExactAngle() {
        assertEquals(-Math.toDegrees(Math.atan2(28.25, 15)), display.azimuth(-0.5), 1e-9, "left screen edge");
        assertEquals(62.0, -display.azimuth(-0.5), 0.05);
        assertEquals(Math.toDegrees(CM_PER_PX / D), display.degreesPerPixelX(31.5), 1e-9, "deg/px at the centre: d az / dX = 1 / d");
        assertEquals(3.37, display.degreesPerPixelX(31.5), 0.01);
        assertTrue(display.degreesPerPixelX(0) < 0.8, "a pixel at the edge spans less than a quarter of the centre's angle");
        double[] xy = display.toPixel(display.azimuth(7.3), display.elevation(7.3, 30.1));
        assertArrayEquals(new double[] {7.3, 30.1}, xy, 1e-9, "pixel -> angle -> pixel");
        System.out.printf("display: azimuth of the screen edge %.2f deg, %.3f deg/px at the centre, %.3f at the edge, "
                + "Nyquist %.4f cycles/deg%n", -display.azimuth(-0.5), display.degreesPerPixelX(31.5),
                display.degreesPerPixelX(0), display.nyquistSpatialFrequency());
    }

    @Test
    void aGratingsBarsAndDriftFollowFromItsFrequenciesUnderTheDisplay() {
        double sf = 0.04;
        double tf = 2;
        double phase = 30;
        GratingStimulus grating = new GratingStimulus(display, new Grating(0, sf, tf, 1, phase), null, null, MEAN, 10, FPS);
        for (int t : new int[] {0, 1, 5}) {
            float[] frame = new float[H * W];
            grating.frame(t, frame);
            List<Double> found = crossings(frame, 17);
            // luminance = mean where 2 pi (sf az - tf t) + phase = pi/2 + k pi
            List<Double> expected = new ArrayList<>();
            for (int k = -20; k <= 20; k++) {
                double az = ((0.25 + k / 2.0) - Math.toRadians(phase) / (2 * Math.PI) + tf * t / FPS) / sf;
                double x = columnAt(az);
                if (Math.abs(az) < 89 && x > 0 && x < W - 1) {
                    expected.add(x);
                }
            }
            assertEquals(expected.size(), found.size(), "bars at frame " + t + ": " + found + " vs " + expected);
            for (int i = 0; i < found.size(); i++) {
                assertEquals(expected.get(i), found.get(i), 0.05, "crossing " + i + " at frame " + t);
            }
            // the same on every row: a direction-0 grating's bars are vertical lines on the screen
            assertEquals(found, crossings(frame, 3));
        }
        double period = 1 / (sf * display.degreesPerPixelX(31.5));
        double drift = tf / FPS / sf / display.degreesPerPixelX(31.5);
        System.out.printf("grating 0.04 c/deg, 2 Hz: period %.3f px and drift %.4f px/frame at the centre (closed form)%n",
                period, drift);
        // drift per frame: the bar nearest the centre moves right by (tf / fps) / sf degrees of azimuth
        float[] f0 = new float[H * W];
        float[] f5 = new float[H * W];
        grating.frame(0, f0);
        grating.frame(5, f5);
        double c0 = nearest(crossings(f0, 17), 31.5);
        double c5 = nearest(crossings(f5, 17), c0 + 5 * drift);
        double expected0 = columnAt(Math.round(display.azimuth(c0) * sf * 2 - 0.5 + Math.toRadians(phase) / Math.PI) / (2 * sf)
                + (0.25 - Math.toRadians(phase) / (2 * Math.PI)) / sf);
        double expected1 = columnAt(display.azimuth(expected0) + tf / FPS / sf);
        double expected5 = columnAt(display.azimuth(expected0) + 5 * tf / FPS / sf);
        assertEquals(expected0, c0, 0.05, "the bar nearest the centre");
        assertEquals(expected5 - expected0, c5 - c0, 0.06, "drift over 5 frames");
        assertEquals(drift, expected1 - expected0, 0.01 * drift, "drift at the centre: (tf / fps) / sf / (deg per px)");
        System.out.printf("measured drift %.4f px/frame over 5 frames, closed form %.4f%n", (c5 - c0) / 5, (expected5 - expected0) / 5);
        assertTrue(c5 > c0, "direction 0 moves rightwards");
    }

    @Test
    void direction90MovesUpwardsAndItsBarsFollowTheElevation() {
        double sf = 0.05;
        GratingStimulus grating = new GratingStimulus(display, new Grating(90, sf, 1, 1, 0), null, null, MEAN, 5, FPS);
        float[] f0 = new float[H * W];
        float[] f1 = new float[H * W];
        grating.frame(0, f0);
        grating.frame(1, f1);
        int column = 31; // X = -0.44 cm
        double screenX = (column + 0.5 - W / 2.0) * CM_PER_PX;
        List<Double> rows = columnCrossings(f0, column);
        assertFalse(rows.isEmpty());
        for (double row : rows) {
            double el = display.elevation(column, row);
            // Y = tan(el) sqrt(X^2 + d^2) at a crossing, where sf el = 1/4 + k/2
            double k = (sf * el - 0.25) * 2;
            assertEquals(Math.round(k), k, 0.01, "row " + row + " is not where the closed form puts a bar");
            double y = H / 2.0 - 0.5 - Math.tan(Math.toRadians(el)) * Math.hypot(screenX, D) / (31.8 / 36);
            assertEquals(row, y, 1e-9);
        }
        double r0 = nearest(rows, 17.5);
        double r1 = nearest(columnCrossings(f1, column), r0);
        assertTrue(r1 < r0, "direction 90 moves upwards, towards row 0: " + r0 + " -> " + r1);
    }

    @Test
    void anAperturesRadiusIsAnAngleOnTheScreen() {
        for (double radius : new double[] {10, 25, 40, 60}) {
            GratingStimulus stimulus = new GratingStimulus(display, new Grating(0, 0.04, 2, 1, 0),
                    new Aperture(0, 0, radius), null, MEAN, 1, FPS);
            // the centre's line of sight is the screen's normal: inside iff hypot(X, Y) <= d tan(radius)
            int expected = 0;
            for (int y = 0; y < H; y++) {
                for (int x = 0; x < W; x++) {
                    double sx = (x + 0.5 - W / 2.0) * CM_PER_PX;
                    double sy = (H / 2.0 - y - 0.5) * 31.8 / 36;
                    expected += Math.hypot(sx, sy) <= D * Math.tan(Math.toRadians(radius)) ? 1 : 0;
                }
            }
            assertEquals(expected, stimulus.aperturePixels(), "pixels inside a " + radius + " deg aperture");
            System.out.printf("aperture %4.0f deg: %4d pixels inside, edge at column %.2f on the centre row%n", radius,
                    expected, columnAt(radius));
        }
        // outside: gray, or the cross-oriented surround
        GratingStimulus gray = new GratingStimulus(display, new Grating(0, 0.04, 2, 1, 0), new Aperture(0, 0, 20), null, MEAN, 1, FPS);
        GratingStimulus cross = new GratingStimulus(display, new Grating(0, 0.04, 2, 1, 0), new Aperture(0, 0, 20),
                new Surround(Surround.Orientation.CROSS, null), MEAN, 1, FPS);
        float[] g = new float[H * W];
        float[] c = new float[H * W];
        gray.frame(0, g);
        cross.frame(0, c);
        assertEquals(MEAN, g[2 * W + 2], 1e-4, "gray outside the aperture");
        float[] column0 = new float[H];
        for (int y = 0; y < H; y++) {
            column0[y] = c[y * W + 2];
        }
        assertTrue(range(column0) > 50, "a cross-oriented (horizontal-bar) surround varies down a column");
    }

    @Test
    void noiseIsReproducedByItsSeedBlockByBlock() {
        Noise white = new Noise.White(H, W, 2, 7);
        assertArrayEquals(white.pattern(123), new Noise.White(H, W, 2, 7).pattern(123), "same seed, same block");
        assertFalse(java.util.Arrays.equals(white.pattern(123), new Noise.White(H, W, 2, 8).pattern(123)), "another seed");
        assertFalse(java.util.Arrays.equals(white.pattern(123), white.pattern(124)), "another block");
        // a block is the same whether rendered in a long movie or on its own
        StimulusVideo movie = StimulusVideo.render(new NoiseStimulus(white, 0, 10, 3, MEAN, 1), H, W);
        StimulusVideo tail = StimulusVideo.render(new NoiseStimulus(white, 7, 1, 3, MEAN, 1), H, W);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                assertEquals(movie.at(x, y, 21), tail.at(x, y, 0));
                assertTrue(movie.at(x, y, 21) == 0 || movie.at(x, y, 21) == 220, "binary at contrast 1 about 110");
            }
        }
        float[] checks = white.checkPattern(5);
        assertEquals(18 * 32, checks.length);
        double sum = 0;
        for (int b = 0; b < 200; b++) {
            for (float s : white.checkPattern(b)) {
                sum += s;
            }
        }
        assertTrue(Math.abs(sum) < 4 * Math.sqrt(200 * 576), "white noise is balanced: " + sum);
        Noise sparse = new Noise.Sparse(H, W, 3, 5, 1);
        for (int b = 0; b < 50; b++) {
            int on = 0;
            for (float s : sparse.checkPattern(b)) {
                on += s != 0 ? 1 : 0;
            }
            assertEquals(5, on, "spots per sparse block");
        }
        assertArrayEquals(new double[] {63, 34}, sparse.checkCentre(sparse.checksX() * sparse.checksY() - 1), 1e-9,
                "the last column of checks is cut at the edge: one pixel wide");
    }

    @Test
    void luminanceStepsHoldEachLevelAndGrayFramesFrameAStimulus() {
        StimulusVideo steps = StimulusVideo.render(Sequence.withGray(3,
                new LuminanceSteps(List.of(0.0, 64.4, 255.0), 4), 2, MEAN), H, W);
        assertEquals(3 + 12 + 2, steps.frames());
        float[] expected = {110, 110, 110, 0, 0, 0, 0, 64, 64, 64, 64, 255, 255, 255, 255, 110, 110};
        for (int t = 0; t < expected.length; t++) {
            assertEquals(expected[t], steps.at(17, 9, t), "frame " + t);
            assertEquals(expected[t], steps.at(63, 35, t), "full field, frame " + t);
        }
    }

    @Test
    void theMp4AndNpyHoldExactlyTheStimulus() throws Exception {
        StimulusVideo video = StimulusVideo.render(new GratingStimulus(display, new Grating(45, 0.04, 2, 0.8, 0),
                new Aperture(10, 5, 30), null, MEAN, 40, FPS), H, W);
        NpyArray npy = NpyReader.read("stimulus", StimulusFiles.npy(video));
        assertArrayEquals(new int[] {H, W, 40}, npy.shape());
        assertArrayEquals(video.values(), npy.data());
        Path file = Files.createTempFile("stimulus", ".mp4");
        try {
            Files.write(file, StimulusFiles.mp4(video, FPS));
            VideoDecoder.Decoded decoded = VideoDecoder.decode(file, "stimulus.mp4", H, W, FPS, 1000);
            assertArrayEquals(new int[] {H, W, 40}, decoded.video().shape());
            assertArrayEquals(video.values(), decoded.video().data(), "decoded mp4 frames differ from the array");
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** Sub-pixel columns where row {@code y} crosses the mean luminance (linear interpolation). */
    private static List<Double> crossings(float[] frame, int y) {
        List<Double> out = new ArrayList<>();
        for (int x = 0; x + 1 < W; x++) {
            double a = frame[y * W + x] - MEAN;
            double b = frame[y * W + x + 1] - MEAN;
            if (a == 0 || a * b < 0) {
                out.add(x + a / (a - b));
            }
        }
        return out;
    }

    private static List<Double> columnCrossings(float[] frame, int x) {
        List<Double> out = new ArrayList<>();
        for (int y = 0; y + 1 < H; y++) {
            double a = frame[y * W + x] - MEAN;
            double b = frame[(y + 1) * W + x] - MEAN;
            if (a == 0 || a * b < 0) {
                out.add(y + a / (a - b));
            }
        }
        return out;
    }

    private static double nearest(List<Double> values, double to) {
        return values.stream().min((p, q) -> Double.compare(Math.abs(p - to), Math.abs(q - to))).orElseThrow();
    }

    private static float range(float[] values) {
        float lo = Float.MAX_VALUE;
        float hi = -Float.MAX_VALUE;
        for (float v : values) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        return hi - lo;
    }
}
