package dwiseneuro.serve.media;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dwiseneuro.serve.clip.Clip;
import dwiseneuro.serve.ensemble.Manifest;

/**
 * Turns the uploaded parts of a request into a validated {@link Clip}: tells .npy, .npz, JSON and video
 * files apart by their content, decodes them, fills omitted traces with the mouse's training means
 * (when the manifest has them) and records what was done, for the response.
 */
public final class ClipDecoder {

    public static final String VIDEO = "video";
    public static final String BEHAVIOR = "behavior";
    public static final String PUPIL_CENTER = "pupil_center";
    public static final Set<String> ARRAYS = Set.of(VIDEO, BEHAVIOR, PUPIL_CENTER);

    private final Manifest manifest;
    private final int maxFrames;
    private final long maxUploadBytes;

    public ClipDecoder(Manifest manifest, int maxFrames, long maxUploadBytes) {
        this.manifest = manifest;
        this.maxFrames = maxFrames;
        this.maxUploadBytes = maxUploadBytes;
    }

    /** A clip and how it was made from the request. */
    public record Decoded(Clip clip, Preprocessing preprocessing) {
    }

    /** Most values the video array may declare (height x width x max-frames). */
    public long maxVideoElements() {
        return (long) manifest.input().videoHeight() * manifest.input().videoWidth() * maxFrames;
    }

    /** Most values a trace may declare (2 x max-frames). */
    public long maxTraceElements() {
        return 2L * maxFrames;
    }

    /**
     * Decodes the parts of a multipart request. {@code clip} (an .npz with video, behavior, pupil_center)
     * and {@code video} are alternatives; behavior and pupil center may come separately or be omitted.
     */
    public Decoded decode(Upload video, Upload clip, Upload behavior, Upload pupilCenter, Manifest.Mouse mouse) {
        if (video != null && clip == null && NpzReader.isZip(video.head(4))) {
            clip = video; // an .npz sent as the video part
            video = null;
        }
        if (video == null && clip == null) {
            throw new MediaException("missing part 'video' (a .npy array or a video file), or 'clip' (an .npz archive "
                    + "with video, behavior and pupil_center)");
        }
        if (video != null && clip != null) {
            throw new MediaException("send either 'video' or 'clip' (an .npz archive), not both");
        }
        NpyArray videoArray;
        NpyArray behaviorArray = null;
        NpyArray pupilArray = null;
        String behaviorSource = null;
        String pupilSource = null;
        VideoPreprocessing videoInfo = null;
        String videoSource;
        if (clip != null) {
            Map<String, NpyArray> arrays = NpzReader.read(clip.part(), clip.file(), ARRAYS,
                    Map.of(VIDEO, maxVideoElements(), BEHAVIOR, maxTraceElements(), PUPIL_CENTER, maxTraceElements()),
                    maxUploadBytes);
            videoArray = arrays.get(VIDEO);
            if (videoArray == null) {
                throw new MediaException(clip.part() + ": the .npz archive has no 'video' array");
            }
            videoSource = "uploaded .npz (" + videoArray.dtype() + ")";
            behaviorArray = arrays.get(BEHAVIOR);
            pupilArray = arrays.get(PUPIL_CENTER);
            behaviorSource = behaviorArray == null ? null : "uploaded .npz";
            pupilSource = pupilArray == null ? null : "uploaded .npz";
            if (behaviorArray != null && behavior != null || pupilArray != null && pupilCenter != null) {
                throw new MediaException("a trace is both in the .npz archive and in its own part; send it once");
            }
        } else {
            byte[] head = video.head(8);
            if (head.length == 0) {
                throw new MediaException(VIDEO + ": the file is empty");
            }
            if (NpyReader.isNpy(head)) {
                videoArray = NpyReader.read(VIDEO, video.bytes(), maxVideoElements());
                videoSource = "uploaded .npy (" + videoArray.dtype() + ")";
            } else {
                VideoDecoder.Decoded decoded = VideoDecoder.decode(video.file(), VIDEO, manifest.input().videoHeight(),
                        manifest.input().videoWidth(), manifest.input().fps(), maxFrames);
                videoArray = decoded.video();
                videoInfo = decoded.preprocessing();
                videoSource = "decoded video file (" + videoInfo.codec() + ")";
            }
        }
        if (behavior != null) {
            behaviorArray = trace(behavior);
            behaviorSource = behavior.saysJson() ? "uploaded JSON" : "uploaded .npy";
        }
        if (pupilCenter != null) {
            pupilArray = trace(pupilCenter);
            pupilSource = pupilCenter.saysJson() ? "uploaded JSON" : "uploaded .npy";
        }
        return assemble(videoArray, videoSource, videoInfo, behaviorArray, behaviorSource, pupilArray, pupilSource, mouse);
    }

    /**
     * Validates decoded arrays into a clip (shapes, NaN padding, length limits: {@link Clip#of}), filling a
     * missing trace with the mouse's training mean. Used by every protocol.
     */
    public Decoded assemble(NpyArray video, String videoSource, VideoPreprocessing videoInfo,
                            NpyArray behavior, String behaviorSource, NpyArray pupilCenter, String pupilSource,
                            Manifest.Mouse mouse) {
        List<String> notes = new ArrayList<>();
        if (behavior == null) {
            behavior = mean(BEHAVIOR, mouse.behaviorMean(), video, mouse);
            behaviorSource = "training mean from the manifest " + mouse.behaviorMean() + " (not uploaded)";
            notes.add("behavior was not uploaded: every frame uses the mouse's training mean " + mouse.behaviorMean());
        }
        if (pupilCenter == null) {
            pupilCenter = mean(PUPIL_CENTER, mouse.pupilCenterMean(), video, mouse);
            pupilSource = "training mean from the manifest " + mouse.pupilCenterMean() + " (not uploaded)";
            notes.add("pupil_center was not uploaded: every frame uses the mouse's training mean " + mouse.pupilCenterMean());
        }
        Manifest.Input input = manifest.input();
        Clip clip = Clip.of(video, behavior, pupilCenter, input.videoHeight(), input.videoWidth(),
                manifest.frameStack().plan(), maxFrames);
        boolean plain = videoInfo == null && notes.isEmpty()
                && videoSource.startsWith("uploaded .npy") && behaviorSource.equals("uploaded .npy")
                && pupilSource.equals("uploaded .npy");
        Preprocessing preprocessing = plain ? null
                : new Preprocessing(videoSource, videoInfo, behaviorSource, pupilSource, notes.isEmpty() ? null : notes);
        return new Decoded(clip, preprocessing);
    }

    private NpyArray trace(Upload upload) {
        byte[] head = upload.head(8);
        if (NpyReader.isNpy(head)) {
            return NpyReader.read(upload.part(), upload.bytes(), maxTraceElements());
        }
        if (upload.saysJson() || startsLikeJson(head)) {
            try (InputStream in = Files.newInputStream(upload.file())) {
                return TraceJson.read(upload.part(), in, maxTraceElements());
            } catch (IOException e) {
                throw new MediaException(upload.part() + ": the upload could not be read (" + e.getMessage() + ")");
            }
        }
        if (head.length == 0) {
            throw new MediaException(upload.part() + ": the file is empty");
        }
        throw new MediaException(upload.part() + ": expected a .npy array or JSON rows of shape (2, frames)");
    }

    private static boolean startsLikeJson(byte[] head) {
        for (byte b : head) {
            if (b == '[') {
                return true;
            }
            if (!Character.isWhitespace(b)) {
                return false;
            }
        }
        return false;
    }

    /** (2, frames) filled with {@code mean}, NaN on the video's trailing NaN padding so that it is still cut. */
    private static NpyArray mean(String name, List<Double> mean, NpyArray video, Manifest.Mouse mouse) {
        if (mean == null) {
            throw new MediaException("missing part '" + name + "' (a .npy array or JSON rows of shape (2, frames)); "
                    + "this ensemble's manifest has no training mean for mouse " + mouse.id() + " to use instead");
        }
        if (video.ndim() != 3) {
            return new NpyArray(name, new int[] {2, 0}, "mean", new float[0]); // Clip.of reports the video's shape
        }
        int frames = video.dim(2);
        boolean[] present = new boolean[frames];
        float[] data = video.data();
        for (int i = 0; i < data.length; i++) {
            if (!Float.isNaN(data[i])) {
                present[i % frames] = true;
            }
        }
        float[] out = new float[2 * frames];
        for (int t = 0; t < frames; t++) {
            out[t] = present[t] ? mean.get(0).floatValue() : Float.NaN;
            out[frames + t] = present[t] ? mean.get(1).floatValue() : Float.NaN;
        }
        return new NpyArray(name, new int[] {2, frames}, "mean", out);
    }
}
