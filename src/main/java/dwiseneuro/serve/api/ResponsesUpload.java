package dwiseneuro.serve.api;

import java.util.List;

import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.multipart.FileUpload;

/** The multipart upload of POST /v1/mice/{id}/responses. */
@Schema(name = "ResponsesUpload", description = "A clip: video plus the mouse's behavior and pupil center traces. "
        + "Send 'video' (a .npy array or a video file) or 'clip' (an .npz archive with all three arrays)")
public class ResponsesUpload {

    @RestForm("video")
    @Schema(type = org.eclipse.microprofile.openapi.annotations.enums.SchemaType.STRING, format = "binary",
            description = "The stimulus. Either a .npy array of shape (36, 64, frames), uint8, float32 or float64, "
                    + "C or Fortran order, either byte order, grayscale 0..255 at 30 fps (trailing NaN frames, the "
                    + "dataset's padding, are cut off); or a video file (mp4/H.264, webm, avi, gif, mov, mkv), decoded "
                    + "with FFmpeg to gray, resized to 64x36 by area averaging and converted to 30 fps (nearest frame "
                    + "in time); the response's 'preprocessing' says what was done. Required unless 'clip' is sent.")
    public FileUpload video;

    @RestForm("clip")
    @Schema(type = org.eclipse.microprofile.openapi.annotations.enums.SchemaType.STRING, format = "binary",
            description = "Instead of 'video': a NumPy .npz archive (numpy.savez or savez_compressed) with the arrays "
                    + "'video' and optionally 'behavior' and 'pupil_center', shaped as the separate parts")
    public FileUpload clip;

    @RestForm("behavior")
    @Schema(type = org.eclipse.microprofile.openapi.annotations.enums.SchemaType.STRING, format = "binary",
            description = "Shape (2, frames): pupil dilation, running speed. A .npy array, or JSON rows "
                    + "[[...], [...]] (content type application/json or a .json file name; null for NaN). When omitted, "
                    + "the mouse's training mean from the manifest is used (400 when the manifest has none)")
    public FileUpload behavior;

    @RestForm("pupil_center")
    @Schema(name = "pupil_center", type = org.eclipse.microprofile.openapi.annotations.enums.SchemaType.STRING, format = "binary",
            description = "Shape (2, frames): horizontal and vertical eye position. A .npy array or JSON rows, as "
                    + "behavior; when omitted, the mouse's training mean from the manifest is used")
    public FileUpload pupilCenter;

    /** File parts beyond the clip's that this upload takes (none here). */
    java.util.Set<String> extraParts() {
        return java.util.Set.of();
    }

    /** Every part, to refuse names the endpoint does not know. */
    @RestForm(FileUpload.ALL)
    @Schema(hidden = true)
    public List<FileUpload> all;
}
