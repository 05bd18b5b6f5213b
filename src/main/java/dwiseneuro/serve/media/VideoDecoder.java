package dwiseneuro.serve.media;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;

/**
 * Decodes a video file (mp4/H.264, webm/VP8/VP9/AV1, avi, gif, mov, mkv) with FFmpeg through JavaCV
 * into the model's input: grayscale 0..255, the ensemble's frame size, the ensemble's frame rate.
 *
 * <ul>
 * <li><b>Grayscale</b>: FFmpeg's swscale converts every decoded frame to 8-bit gray (GRAY8), exactly as
 * {@code ffmpeg -pix_fmt gray} does (for YUV sources the luma plane).</li>
 * <li><b>Size</b>: area (box) averaging to height x width: each output pixel is the mean of the source
 * pixels it covers, weighted by the covered fraction. It is the filter that does not alias when
 * shrinking (what OpenCV calls INTER_AREA, and the usual way to make 36x64 stimuli from larger
 * frames); a source whose aspect ratio differs is stretched, and the response says so. Values are
 * not rounded.</li>
 * <li><b>Frame rate</b>: when the file's rate differs from the ensemble's (by more than 0.1%), output
 * frame k (at time k/fps) is the source frame shown nearest to that time, by the decoded timestamps
 * (drop or repeat, as FFmpeg's fps filter does: 60 fps to 30 keeps frames 0, 2, 4, ...). Frames are
 * not blended, so every output frame is a frame the file really contains.</li>
 * </ul>
 *
 * FFmpeg opens only local files of the listed container formats: no playlists, concat lists or
 * network protocols that a crafted upload could use to make the server read other files.
 */
public final class VideoDecoder {

    /** Containers FFmpeg may open (its demuxer names). */
    public static final String FORMATS = "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,gif";
    /** Largest source frame decoded, in pixels (4096 x 4096). */
    public static final long MAX_SOURCE_PIXELS = 4096L * 4096L;
    /** Rates within this relative difference count as equal: every frame is taken. */
    static final double SAME_RATE = 1e-3;

    static {
        avutil.av_log_set_level(avutil.AV_LOG_FATAL);
    }

    private VideoDecoder() {
    }

    /** One decoded frame at its own size, 8-bit gray, row-major. */
    public record GrayFrame(int width, int height, byte[] pixels, long timestampMicros) {
    }

    /** What the file is. */
    public record Source(String format, String codec, int width, int height, double fps) {
    }

    /** Receives the decoded frames in order. */
    public interface FrameSink {
        void accept(GrayFrame frame);
    }

    /** The model's input (height x width x frames, C order) and what was done to get it. */
    public record Decoded(NpyArray video, VideoPreprocessing preprocessing) {
    }

    /**
     * Decodes {@code file} to {@code height x width} gray frames at {@code fps}, refusing with 413 (as a
     * {@link MediaException}) a file that yields more than {@code maxFrames} frames, as soon as it does.
     */
    public static Decoded decode(Path file, String name, int height, int width, int fps, int maxFrames) {
        List<float[]> frames = new ArrayList<>();
        int[] sourceFrames = {0};
        Source[] source = {null};
        AreaResize[] resize = {null};
        Resampler[] resampler = {null};
        FrameSink collect = frame -> {
            sourceFrames[0]++;
            if (resize[0] == null) {
                resize[0] = new AreaResize(frame.width(), frame.height(), width, height);
            } else if (frame.width() != resize[0].sourceWidth || frame.height() != resize[0].sourceHeight) {
                throw new MediaException(name + ": the frame size changes inside the video ("
                        + resize[0].sourceWidth + "x" + resize[0].sourceHeight + " to " + frame.width() + "x" + frame.height() + ")");
            }
            float[] small = resize[0].apply(frame.pixels());
            if (resampler[0] == null) {
                frames.add(small);
            } else {
                resampler[0].add(small, frame.timestampMicros());
            }
            if (frames.size() > maxFrames) {
                throw tooLong(name, maxFrames);
            }
        };
        source[0] = decodeGray(file, name, info -> {
            if (Math.abs(info.fps() - fps) > SAME_RATE * fps && info.fps() > 0) {
                resampler[0] = new Resampler(fps, info.fps(), frames, maxFrames, name);
            }
        }, collect);
        if (resampler[0] != null) {
            resampler[0].finish();
        }
        if (frames.isEmpty()) {
            throw new MediaException(name + ": the video has no frames");
        }
        if (frames.size() > maxFrames) {
            throw tooLong(name, maxFrames);
        }
        int t = frames.size();
        float[] data = new float[height * width * t];
        for (int k = 0; k < t; k++) {
            float[] frame = frames.get(k);
            for (int p = 0; p < frame.length; p++) {
                data[p * t + k] = frame[p];
            }
        }
        Source s = source[0];
        List<String> notes = new ArrayList<>();
        String resizeText = null;
        if (s.width() != width || s.height() != height) {
            resizeText = String.format(Locale.ROOT, "%dx%d to %dx%d (width x height), area averaging",
                    s.width(), s.height(), width, height);
            double from = (double) s.width() / s.height();
            double to = (double) width / height;
            if (Math.abs(from - to) > 0.01 * to) {
                notes.add(String.format(Locale.ROOT,
                        "the video's aspect ratio %.3f differs from the model's %.3f: frames were stretched, not cropped",
                        from, to));
            }
        }
        String resampleText = null;
        if (resampler[0] != null) {
            resampleText = String.format(Locale.ROOT,
                    "%.3f fps to %d fps: each output frame is the source frame nearest in time (frames dropped or repeated, not blended)",
                    s.fps(), fps);
        }
        VideoPreprocessing info = new VideoPreprocessing(s.format(), s.codec(), s.width(), s.height(),
                round3(s.fps()), sourceFrames[0], "gray8 (FFmpeg swscale; the luma plane of YUV video)",
                resizeText, resampleText, t, fps, notes.isEmpty() ? null : notes);
        return new Decoded(new NpyArray(name, new int[] {height, width, t}, "video", data), info);
    }

    private static MediaException tooLong(String name, int maxFrames) {
        return new MediaException(413, name + ": the video is longer than " + maxFrames
                + " frames at the model's frame rate; this service accepts at most " + maxFrames);
    }

    private static double round3(double value) {
        return Math.round(value * 1000.0) / 1000.0;
    }

    /** Called once the file is open, before the first frame. */
    public interface SourceListener {
        void opened(Source source);
    }

    /**
     * Decodes every video frame of {@code file} at its own size to 8-bit gray, as
     * {@code ffmpeg -i FILE -fps_mode passthrough -pix_fmt gray} does, and hands the frames to {@code sink}.
     */
    public static Source decodeGray(Path file, String name, SourceListener listener, FrameSink sink) {
        FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(file.toFile());
        grabber.setOption("format_whitelist", FORMATS);
        grabber.setOption("protocol_whitelist", "file");
        grabber.setPixelFormat(avutil.AV_PIX_FMT_GRAY8);
        try {
            try {
                grabber.start();
            } catch (FrameGrabber.Exception e) {
                throw new MediaException(name + ": not a .npy file, an .npz archive or a video file FFmpeg can decode "
                        + "(mp4, webm, avi, gif, mov, mkv)");
            }
            int width = grabber.getImageWidth();
            int height = grabber.getImageHeight();
            if (width <= 0 || height <= 0) {
                throw new MediaException(name + ": the file has no video stream");
            }
            if ((long) width * height > MAX_SOURCE_PIXELS) {
                throw new MediaException(413, name + ": the video's frames are " + width + "x" + height
                        + "; this service decodes at most " + MAX_SOURCE_PIXELS + " pixels per frame");
            }
            double fps = grabber.getVideoFrameRate() > 0 ? grabber.getVideoFrameRate() : grabber.getFrameRate();
            Source source = new Source(grabber.getFormat(), grabber.getVideoCodecName(), width, height, fps);
            listener.opened(source);
            Frame frame;
            long first = Long.MIN_VALUE;
            while ((frame = grab(grabber, name)) != null) {
                if (frame.image == null) {
                    continue;
                }
                if (first == Long.MIN_VALUE) {
                    first = frame.timestamp;
                }
                sink.accept(new GrayFrame(frame.imageWidth, frame.imageHeight, pixels(frame), frame.timestamp - first));
            }
            return source;
        } finally {
            try {
                grabber.close();
            } catch (FrameGrabber.Exception ignored) {
                // nothing left to release that matters
            }
        }
    }

    private static Frame grab(FFmpegFrameGrabber grabber, String name) {
        try {
            return grabber.grabImage();
        } catch (FrameGrabber.Exception e) {
            throw new MediaException(name + ": the video could not be decoded (" + e.getMessage() + ")");
        }
    }

    private static byte[] pixels(Frame frame) {
        int w = frame.imageWidth;
        int h = frame.imageHeight;
        if ((long) w * h > MAX_SOURCE_PIXELS) {
            throw new MediaException(413, "video: a frame is " + w + "x" + h + "; at most " + MAX_SOURCE_PIXELS + " pixels");
        }
        ByteBuffer buffer = (ByteBuffer) frame.image[0];
        int stride = frame.imageStride;
        byte[] out = new byte[w * h];
        for (int y = 0; y < h; y++) {
            buffer.get(y * stride, out, y * w, w);
        }
        return out;
    }

    /**
     * Area (box) resampling of an 8-bit frame: separable, exact fractional coverage weights.
     */
    static final class AreaResize {
        final int sourceWidth;
        final int sourceHeight;
        private final int width;
        private final int height;
        private final int[][] xIndex;
        private final float[][] xWeight;
        private final int[][] yIndex;
        private final float[][] yWeight;
        private final boolean identity;

        AreaResize(int sourceWidth, int sourceHeight, int width, int height) {
            this.sourceWidth = sourceWidth;
            this.sourceHeight = sourceHeight;
            this.width = width;
            this.height = height;
            this.identity = sourceWidth == width && sourceHeight == height;
            xIndex = new int[width][];
            xWeight = new float[width][];
            weights(sourceWidth, width, xIndex, xWeight);
            yIndex = new int[height][];
            yWeight = new float[height][];
            weights(sourceHeight, height, yIndex, yWeight);
        }

        /** For each output cell, the source cells it covers and the covered fractions, normalised to 1. */
        private static void weights(int source, int target, int[][] index, float[][] weight) {
            double scale = (double) source / target;
            for (int o = 0; o < target; o++) {
                double start = o * scale;
                double end = (o + 1) * scale;
                int first = (int) Math.floor(start);
                int last = Math.min(source - 1, (int) Math.ceil(end) - 1);
                int n = last - first + 1;
                index[o] = new int[n];
                weight[o] = new float[n];
                for (int i = 0; i < n; i++) {
                    int s = first + i;
                    double covered = Math.min(end, s + 1) - Math.max(start, s);
                    index[o][i] = s;
                    weight[o][i] = (float) (covered / scale);
                }
            }
        }

        float[] apply(byte[] pixels) {
            float[] out = new float[width * height];
            if (identity) {
                for (int i = 0; i < out.length; i++) {
                    out[i] = pixels[i] & 0xff;
                }
                return out;
            }
            // Rows first (source height x target width), then columns.
            float[] rows = new float[sourceHeight * width];
            for (int y = 0; y < sourceHeight; y++) {
                int base = y * sourceWidth;
                for (int x = 0; x < width; x++) {
                    double sum = 0;
                    int[] idx = xIndex[x];
                    float[] w = xWeight[x];
                    for (int i = 0; i < idx.length; i++) {
                        sum += (pixels[base + idx[i]] & 0xff) * w[i];
                    }
                    rows[y * width + x] = (float) sum;
                }
            }
            for (int y = 0; y < height; y++) {
                int[] idx = yIndex[y];
                float[] w = yWeight[y];
                for (int x = 0; x < width; x++) {
                    double sum = 0;
                    for (int i = 0; i < idx.length; i++) {
                        sum += rows[idx[i] * width + x] * w[i];
                    }
                    out[y * width + x] = (float) sum;
                }
            }
            return out;
        }
    }

    /**
     * Nearest-in-time frame rate conversion over a stream of timestamped frames: output frame k (at k/fps)
     * takes the source frame whose display interval is nearest, ties to the later frame.
     */
    static final class Resampler {
        private final double period;
        private final double sourcePeriod;
        private final List<float[]> out;
        private final int maxFrames;
        private final String name;
        private float[] previous;
        private double previousTime;

        Resampler(int fps, double sourceFps, List<float[]> out, int maxFrames, String name) {
            this.period = 1e6 / fps;
            this.sourcePeriod = 1e6 / sourceFps;
            this.out = out;
            this.maxFrames = maxFrames;
            this.name = name;
        }

        void add(float[] frame, long micros) {
            double time = micros;
            if (previous != null && time <= previousTime) {
                time = previousTime + sourcePeriod; // a repeated or backwards timestamp: assume the nominal rate
            }
            if (previous != null) {
                emitBefore((previousTime + time) / 2);
            }
            previous = frame;
            previousTime = time;
        }

        void finish() {
            if (previous == null) {
                return;
            }
            long total = Math.round((previousTime + sourcePeriod) / period);
            while (out.size() < total) {
                emit(previous);
            }
        }

        private void emitBefore(double boundary) {
            while (out.size() * period < boundary) {
                emit(previous);
            }
        }

        private void emit(float[] frame) {
            if (out.size() >= maxFrames) {
                throw tooLong(name, maxFrames);
            }
            out.add(frame);
        }
    }
}
