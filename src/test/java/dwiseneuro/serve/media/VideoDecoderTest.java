package dwiseneuro.serve.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The decoder against Debian's ffmpeg: the same file must give the same gray frames as
 * {@code ffmpeg -pix_fmt gray}. Test files are made at test time from FFmpeg's colour test pattern
 * (testsrc2, moving, coloured, so that the colour-to-gray conversion is exercised too).
 */
class VideoDecoderTest {

    /** Largest difference allowed between our gray frames and ffmpeg's, in gray levels (0..255). */
    static final int TOLERANCE = 0;

    @TempDir
    static Path dir;

    @BeforeAll
    static void ffmpeg() {
        Ffmpeg.require();
    }

    static Path make(String file, int width, int height, int fps, int frames, String... codec) throws Exception {
        Path path = dir.resolve(file);
        List<String> args = new ArrayList<>(List.of("-f", "lavfi", "-i",
                "testsrc2=size=" + width + "x" + height + ":rate=" + fps, "-frames:v", Integer.toString(frames)));
        args.addAll(List.of(codec));
        args.add(path.toString());
        Ffmpeg.run(args.toArray(String[]::new));
        return path;
    }

    static List<byte[]> decodeGray(Path file) {
        List<byte[]> frames = new ArrayList<>();
        VideoDecoder.decodeGray(file, "video", source -> { }, frame -> frames.add(frame.pixels()));
        return frames;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "clip.mp4, -c:v libx264 -pix_fmt yuv420p -crf 18",
        "clip.webm, -c:v libvpx-vp9 -pix_fmt yuv420p -b:v 200k",
        "clip-vp8.webm, -c:v libvpx -b:v 200k",
        "clip.avi, -c:v mjpeg -q:v 3",
        "clip-mpeg4.avi, -c:v mpeg4 -q:v 3",
        "clip.gif, -c:v gif",
        "clip.mkv, -c:v ffv1",
    })
    void decodesEachContainerAsFfmpegGrayDoes(String file, String codec) throws Exception {
        Path path = make(file, 96, 54, 25, 12, codec.split(" "));
        List<byte[]> expected = Ffmpeg.grayFrames(path, 96, 54);
        List<byte[]> actual = decodeGray(path);
        assertEquals(expected.size(), actual.size(), "frame count of " + file);
        int worst = 0;
        for (int f = 0; f < expected.size(); f++) {
            for (int i = 0; i < expected.get(f).length; i++) {
                worst = Math.max(worst, Math.abs((expected.get(f)[i] & 0xff) - (actual.get(f)[i] & 0xff)));
            }
        }
        assertTrue(worst <= TOLERANCE, file + ": largest difference to ffmpeg -pix_fmt gray is " + worst + " gray levels");
    }

    @Test
    void resamples60FpsTo30ByTakingEveryOtherFrame() throws Exception {
        Path path = make("sixty.mp4", 64, 36, 60, 80, "-c:v", "libx264", "-qp", "0", "-pix_fmt", "yuv420p");
        VideoDecoder.Decoded decoded = VideoDecoder.decode(path, "video", 36, 64, 30, 3600);
        NpyArray video = decoded.video();
        assertArrayEquals(new int[] {36, 64, 40}, video.shape());
        assertEquals(60.0, decoded.preprocessing().sourceFps(), 1e-6);
        assertEquals(80, decoded.preprocessing().sourceFrames());
        assertNotNull(decoded.preprocessing().resample(), "the response must say that the rate was converted");
        assertNull(decoded.preprocessing().resize());
        // FFmpeg's own fps filter gives the same frames: 0, 2, 4, ... of the 60 fps file.
        List<byte[]> reference = Ffmpeg.grayFrames(path, 64, 36, "fps=30");
        List<byte[]> native60 = Ffmpeg.grayFrames(path, 64, 36);
        assertEquals(40, reference.size());
        for (int k = 0; k < 40; k++) {
            assertArrayEquals(native60.get(2 * k), reference.get(k), "ffmpeg's fps filter keeps even frames");
            byte[] expected = reference.get(k);
            for (int p = 0; p < expected.length; p++) {
                assertEquals(expected[p] & 0xff, video.data()[p * 40 + k], "frame " + k + " pixel " + p);
            }
        }
    }

    @Test
    void keepsEveryFrameAtTheModelRateAndTheModelSize() throws Exception {
        Path path = make("thirty.mp4", 64, 36, 30, 33, "-c:v", "libx264", "-qp", "0", "-pix_fmt", "yuv420p");
        VideoDecoder.Decoded decoded = VideoDecoder.decode(path, "video", 36, 64, 30, 3600);
        assertArrayEquals(new int[] {36, 64, 33}, decoded.video().shape());
        assertNull(decoded.preprocessing().resample());
        assertNull(decoded.preprocessing().resize());
        List<byte[]> reference = Ffmpeg.grayFrames(path, 64, 36);
        for (int k = 0; k < 33; k++) {
            for (int p = 0; p < 64 * 36; p++) {
                assertEquals(reference.get(k)[p] & 0xff, decoded.video().data()[p * 33 + k]);
            }
        }
    }

    @Test
    void resizesByAreaAveraging() throws Exception {
        Path path = make("large.mp4", 128, 72, 30, 31, "-c:v", "libx264", "-qp", "0", "-pix_fmt", "yuv420p");
        VideoDecoder.Decoded decoded = VideoDecoder.decode(path, "video", 36, 64, 30, 3600);
        assertArrayEquals(new int[] {36, 64, 31}, decoded.video().shape());
        assertEquals("128x72 to 64x36 (width x height), area averaging", decoded.preprocessing().resize());
        List<byte[]> full = Ffmpeg.grayFrames(path, 128, 72);
        for (int k = 0; k < 31; k += 10) {
            byte[] f = full.get(k);
            for (int y = 0; y < 36; y++) {
                for (int x = 0; x < 64; x++) {
                    float mean = ((f[(2 * y) * 128 + 2 * x] & 0xff) + (f[(2 * y) * 128 + 2 * x + 1] & 0xff)
                            + (f[(2 * y + 1) * 128 + 2 * x] & 0xff) + (f[(2 * y + 1) * 128 + 2 * x + 1] & 0xff)) / 4f;
                    assertEquals(mean, decoded.video().data()[(y * 64 + x) * 31 + k], 1e-3, "2x2 box mean");
                }
            }
        }
    }

    @Test
    void areaResizeHandlesFractionalRatiosAndKeepsTheMean() {
        VideoDecoder.AreaResize resize = new VideoDecoder.AreaResize(100, 50, 64, 36);
        byte[] flat = new byte[100 * 50];
        java.util.Arrays.fill(flat, (byte) 200);
        for (float v : resize.apply(flat)) {
            assertEquals(200f, v, 1e-3);
        }
        byte[] ramp = new byte[100 * 50];
        for (int i = 0; i < ramp.length; i++) {
            ramp[i] = (byte) (i % 100 * 2);
        }
        float[] out = resize.apply(ramp);
        double sum = 0;
        for (float v : out) {
            sum += v;
        }
        assertEquals(99.0, sum / out.length, 1e-3, "area averaging keeps the image mean");
    }

    @Test
    void refusesAClipOverTheFrameLimitWith413() throws Exception {
        Path path = make("long.mp4", 64, 36, 30, 40, "-c:v", "libx264", "-pix_fmt", "yuv420p");
        MediaException e = assertThrows(MediaException.class, () -> VideoDecoder.decode(path, "video", 36, 64, 30, 35));
        assertEquals(413, e.status());
    }

    @Test
    void refusesWhatIsNotAVideo() throws Exception {
        Path text = dir.resolve("notes.txt");
        Files.writeString(text, "hello");
        assertEquals(400, assertThrows(MediaException.class, () -> VideoDecoder.decode(text, "video", 36, 64, 30, 100)).status());
    }

    @Test
    void refusesPlaylistsThatWouldReadOtherFiles() throws Exception {
        Path inner = make("inner.mp4", 64, 36, 30, 31, "-c:v", "libx264", "-pix_fmt", "yuv420p");
        Path concat = dir.resolve("list.txt");
        Files.writeString(concat, "ffconcat version 1.0\nfile '" + inner + "'\n");
        Path m3u8 = dir.resolve("list.m3u8");
        Files.writeString(m3u8, "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:1.0,\n" + inner.toUri() + "\n#EXT-X-ENDLIST\n");
        assertThrows(MediaException.class, () -> VideoDecoder.decode(concat, "video", 36, 64, 30, 100));
        assertThrows(MediaException.class, () -> VideoDecoder.decode(m3u8, "video", 36, 64, 30, 100));
    }
}
