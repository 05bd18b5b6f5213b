package dwiseneuro.serve.api;

import com.fasterxml.jackson.annotation.JsonInclude;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** An RFC 9457 problem detail, served as application/problem+json. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(name = "Problem", description = "RFC 9457 problem details")
public record Problem(
        @Schema(description = "URI reference naming the problem type", example = "about:blank") String type,
        @Schema(description = "Short summary of the problem type", example = "Unprocessable Content") String title,
        @Schema(description = "HTTP status", example = "422") int status,
        @Schema(description = "What is wrong, in terms the client can act on",
                example = "video must have shape (36, 64, frames), got (36, 60, 120)") String detail,
        @Schema(description = "The request path", example = "/v1/mice/demo-mouse-1/responses") String instance,
        @Schema(description = "Id to quote when reporting a server fault; it is in the server log") String incident,
        @Schema(description = "The request field at fault, as a JSON path (a bad experiment spec)", example = "directions")
        String field) {

    public static final String MEDIA_TYPE = "application/problem+json";

    public Problem(String type, String title, int status, String detail, String instance, String incident) {
        this(type, title, status, detail, instance, incident, null);
    }
}
