package dwiseneuro.serve.api;

import java.time.Duration;
import java.util.Set;

import org.jboss.resteasy.reactive.multipart.FileUpload;

import dwiseneuro.serve.ServeConfig;
import dwiseneuro.serve.ensemble.Manifest;
import dwiseneuro.serve.media.ClipDecoder;
import dwiseneuro.serve.media.Upload;

/** What the endpoints that take a clip upload share: the clip's parts, and the request's deadline. */
final class ClipRequests {

    /** The parts of a clip upload. */
    static final Set<String> CLIP_PARTS = Set.of("video", "clip", "behavior", "pupil_center");
    /** Longest deadline a request may ask for: one day. */
    private static final long MAX_TIMEOUT_MS = 86_400_000L;

    private ClipRequests() {
    }

    /** Decodes the upload's clip; 400 for a missing or unknown file part. */
    static ClipDecoder.Decoded readClip(ResponsesUpload upload, Manifest manifest, Manifest.Mouse mouse, ServeConfig config) {
        if (upload == null || upload.all == null) {
            throw new ProblemException(400, "expected multipart/form-data with parts video, behavior and pupil_center");
        }
        for (FileUpload part : upload.all) {
            if (!CLIP_PARTS.contains(part.name()) && !upload.extraParts().contains(part.name())) {
                throw new ProblemException(400, "unknown part '" + part.name()
                        + "'; expected video (or clip), behavior and pupil_center");
            }
        }
        ClipDecoder decoder = new ClipDecoder(manifest, config.limits().maxFrames(), config.limits().maxUploadBytes());
        return decoder.decode(upload(upload.video), upload(upload.clip), upload(upload.behavior),
                upload(upload.pupilCenter), mouse);
    }

    /** The part as an upload; none for an empty part without a file name (Swagger UI's "Send empty value"). */
    static Upload upload(FileUpload part) {
        if (part == null || part.size() == 0 && (part.fileName() == null || part.fileName().isBlank())) {
            return null;
        }
        return new Upload(part.name(), part.uploadedFile(), part.fileName(), part.contentType());
    }

    /** The deadline from the timeout_ms query parameter, else the X-Request-Timeout-Ms header, else the default. */
    static Duration timeout(String query, String header, ServeConfig config) {
        return query != null ? parse(query, "timeout_ms", config) : parse(header, "X-Request-Timeout-Ms", config);
    }

    private static Duration parse(String value, String name, ServeConfig config) {
        if (value == null) {
            return config.batching().defaultTimeout();
        }
        long millis;
        try {
            millis = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            millis = -1;
        }
        if (millis <= 0 || millis > MAX_TIMEOUT_MS) {
            throw new ProblemException(400, name + " must be a whole number of milliseconds from 1 to " + MAX_TIMEOUT_MS
                    + ", got '" + value + "'");
        }
        return Duration.ofMillis(millis);
    }
}
