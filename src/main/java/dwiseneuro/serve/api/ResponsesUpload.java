package dwiseneuro.serve.api;

import java.util.List;

import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.multipart.FileUpload;

/** The multipart upload of POST /v1/mice/{id}/responses. */
@Schema(name = "ResponsesUpload", description = "A clip: video plus the mouse's behavior and pupil center traces")
public class ResponsesUpload {

    @RestForm("video")
    @Schema(type = org.eclipse.microprofile.openapi.annotations.enums.SchemaType.STRING, format = "binary", required = true,
            description = ".npy array of shape (36, 64, frames), uint8, float32 or float64, grayscale 0..255, 30 fps; "
                    + "trailing NaN frames (the dataset's padding) are cut off")
    public FileUpload video;

    @RestForm("behavior")
    @Schema(type = org.eclipse.microprofile.openapi.annotations.enums.SchemaType.STRING, format = "binary", required = true,
            description = ".npy array of shape (2, frames): pupil dilation, running speed")
    public FileUpload behavior;

    @RestForm("pupil_center")
    @Schema(type = org.eclipse.microprofile.openapi.annotations.enums.SchemaType.STRING, format = "binary", required = true,
            description = ".npy array of shape (2, frames): horizontal and vertical eye position")
    public FileUpload pupilCenter;

    /** Every part, to refuse names the endpoint does not know. */
    @RestForm(FileUpload.ALL)
    @Schema(hidden = true)
    public List<FileUpload> all;
}
