package dwiseneuro.serve.experiments.stimulus;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.SeekableByteArrayOutputStream;

import dwiseneuro.serve.media.NpyWriter;

/**
 * A stimulus as files to download and show on a rig: float32 .npy (rows, columns, frames), and a
 * lossless 8-bit gray .mp4 whose decoded frames equal the array.
 *
 * <p>The .mp4 holds one gray PNG per frame (FFmpeg's png encoder in the mp4 container): the FFmpeg that
 * JavaCV bundles is an LGPL build without x264, whose {@code -qp 0} made the demo's clip.mp4, and
 * OpenH264 is lossy. FFmpeg, VLC, PsychoPy and this service's own decoder play PNG in MP4; browsers do
 * not.
 */
public final class StimulusFiles {

    public static final String NPY = "application/x-npy";
    public static final String MP4 = "video/mp4";

    private StimulusFiles() {
    }

    public static byte[] npy(StimulusVideo video) {
        return NpyWriter.float32(video.values(), video.height(), video.width(), video.frames());
    }

    public static byte[] mp4(StimulusVideo video, int fps) {
        SeekableByteArrayOutputStream out = new SeekableByteArrayOutputStream();
        try (FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(out, video.width(), video.height(), 0)) {
            recorder.setFormat("mp4");
            recorder.setVideoCodec(avcodec.AV_CODEC_ID_PNG);
            recorder.setPixelFormat(avutil.AV_PIX_FMT_GRAY8);
            recorder.setFrameRate(fps);
            recorder.start();
            try (Frame frame = new Frame(video.width(), video.height(), Frame.DEPTH_UBYTE, 1)) {
                ByteBuffer pixels = (ByteBuffer) frame.image[0];
                int stride = frame.imageStride;
                for (int t = 0; t < video.frames(); t++) {
                    for (int y = 0; y < video.height(); y++) {
                        for (int x = 0; x < video.width(); x++) {
                            pixels.put(y * stride + x, (byte) Math.round(video.at(x, y, t)));
                        }
                    }
                    recorder.record(frame, avutil.AV_PIX_FMT_GRAY8);
                }
            }
            recorder.stop();
        } catch (org.bytedeco.javacv.FrameRecorder.Exception e) {
            throw new UncheckedIOException(new IOException("could not encode the stimulus as mp4: " + e.getMessage(), e));
        }
        return out.toByteArray();
    }
}
