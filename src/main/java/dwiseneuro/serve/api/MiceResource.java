package dwiseneuro.serve.api;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.server.multipart.MultipartFormDataInput;

import dwiseneuro.serve.ServeConfig;
import dwiseneuro.serve.batching.InferenceScheduler;
import dwiseneuro.serve.clip.Clip;
import dwiseneuro.serve.ensemble.Manifest;
import dwiseneuro.serve.media.ClipDecoder;
import dwiseneuro.serve.media.NpyWriter;
import dwiseneuro.serve.media.Preprocessing;
import io.smallrye.common.annotation.Blocking;
import io.vertx.core.http.HttpServerRequest;

/** The mice of the served ensemble and their predicted responses to a clip. */
@Path("/v1/mice")
@Tag(name = "mice", description = "Predict neuronal responses of a mouse to a video clip")
public class MiceResource {

    public static final String NPY = "application/x-npy";
    public static final String PNG = "image/png";
    private static final Set<String> PARTS = ClipRequests.CLIP_PARTS;

    private final InferenceScheduler scheduler;
    private final ServingState state;
    private final ServeConfig config;

    public MiceResource(InferenceScheduler scheduler, ServingState state, ServeConfig config) {
        this.scheduler = scheduler;
        this.state = state;
        this.config = config;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "List the mice", description = "The mice the served ensemble predicts, with their neuron counts.")
    @APIResponse(responseCode = "200", description = "The mice",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(type = SchemaType.ARRAY, implementation = MouseInfo.class)))
    @APIResponse(responseCode = "503", description = "The ensemble is still loading or failed to load",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public List<MouseInfo> mice() {
        return state.readyManifest().mice().stream().map(m -> new MouseInfo(m.id(), m.index(), m.neurons())).toList();
    }

    @POST
    @Path("/{id}/responses")
    @Blocking
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Produces({MediaType.APPLICATION_JSON, NPY, PNG})
    @Operation(summary = "Predict responses to a clip",
            description = "Runs the 16-frame sliding window (step 2, target at the last frame) over the clip for every "
                    + "target frame from 30 on, blends the windows with equal weights, and averages the ensemble's members: "
                    + "the same numbers as the original DwiseNeuro predictor. Trailing NaN frames are cut off first. "
                    + "The clip is a .npy video with .npy or JSON traces, an .npz archive ('clip'), or a video file "
                    + "(mp4, webm, avi, gif) that is decoded, made gray, resized and converted to 30 fps; omitted traces "
                    + "are filled with the mouse's training means when the manifest has them. "
                    + "Answers JSON, a float32 .npy of shape (neurons, frames) for Accept: application/x-npy, or a PNG "
                    + "heatmap (neurons by time, with a colour bar) for Accept: image/png.")
    @APIResponse(responseCode = "200", description = "Responses, neurons x frames",
            content = {
                @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ResponsesResult.class)),
                @Content(mediaType = NPY, schema = @Schema(type = SchemaType.STRING, format = "binary")),
                @Content(mediaType = PNG, schema = @Schema(type = SchemaType.STRING, format = "binary"))})
    @APIResponse(responseCode = "400", description = "A part is missing, unknown or unreadable (not a .npy/.npz array, "
            + "JSON rows or a decodable video), or a malformed frames range",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "No such mouse in the served ensemble",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "413", description = "The upload or the clip is larger than this service accepts",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "415", description = "The body is not multipart/form-data",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "422", description = "Wrong shapes, mismatched lengths, NaN inside the clip, fewer than 31 frames, "
            + "a frames range outside the clip, or normalize=true without response statistics in the manifest",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "429", description = "The queue is full; retry after the Retry-After header's seconds",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "503", description = "The ensemble is not ready (loading, failed, or shutting down)",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "504", description = "The request's deadline passed before its windows ran",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public CompletionStage<Response> responses(
            @Parameter(description = "Mouse id from GET /v1/mice", example = "demo-mouse-1") @PathParam("id") String id,
            ResponsesUpload upload,
            MultipartFormDataInput form,
            @Parameter(description = "Deadline for this request in milliseconds (default from dwiseneuro.batching.default-timeout)",
                    example = "600000", schema = @Schema(type = SchemaType.INTEGER, format = "int64"))
            @QueryParam("timeout_ms") String timeoutMs,
            @Parameter(description = "Deadline in milliseconds, as a header; the query parameter wins", example = "600000",
                    schema = @Schema(type = SchemaType.INTEGER, format = "int64"))
            @HeaderParam("X-Request-Timeout-Ms") String timeoutHeader,
            @Parameter(description = "Divide each neuron's responses by its response std from the training data, floored "
                    + "at 0.01 x the mean std: the Sensorium competition's normalisation. Needs 'response_std' (or a per-frame 'response_std_file') in the "
                    + "manifest (422 otherwise)", example = "false")
            @QueryParam("normalize") boolean normalize,
            @Parameter(description = "Return only frames START:END of the clip (0-based, END exclusive; either may be "
                    + "left out). Inference still runs on the whole clip, so the values are those of the whole clip",
                    example = "30:")
            @QueryParam("frames") String frames,
            @Context HttpHeaders headers,
            @Context HttpServerRequest request) {
        Manifest manifest = state.readyManifest();
        Manifest.Mouse mouse = state.mouse(id);
        Format format = format(headers);
        ResponseSelection selection = new ResponseSelection(frames, normalize);
        selection.check(mouse);
        Duration timeout = ClipRequests.timeout(timeoutMs, timeoutHeader, config);
        UploadParts.check(headers.getMediaType(), form, PARTS);
        ClipDecoder.Decoded decoded = ClipRequests.readClip(upload, manifest, mouse, config);
        Clip clip = decoded.clip();
        int[] bounds = selection.bounds(clip.frames(), mouse);
        InferenceScheduler.Submission submission = scheduler.submit(clip, mouse, timeout);
        request.response().closeHandler(ignored -> submission.cancel().run());
        return submission.thenAnswer(values -> {
            float[] selected = selection.apply(values, mouse.neurons(), clip.frames(), bounds, mouse);
            int width = bounds[1] - bounds[0];
            return switch (format) {
                case NPY -> npyResponse(selected, mouse.neurons(), width);
                case PNG -> pngResponse(selected, mouse, width, bounds[0], manifest, normalize);
                case JSON -> jsonResponse(selected, mouse, width, manifest, bounds[0], normalize, decoded.preprocessing());
            };
        });
    }

    enum Format { JSON, NPY, PNG }

    /** The first acceptable of JSON, .npy and PNG in the client's order of preference; JSON for wildcards. */
    static Format format(HttpHeaders headers) {
        for (MediaType type : headers.getAcceptableMediaTypes()) {
            if (type.isWildcardType() || type.isWildcardSubtype()) {
                if (type.isWildcardType() || "application".equals(type.getType())) {
                    return Format.JSON;
                }
                if ("image".equals(type.getType())) {
                    return Format.PNG;
                }
                continue;
            }
            if (type.isCompatible(MediaType.APPLICATION_JSON_TYPE)) {
                return Format.JSON;
            }
            if (type.isCompatible(MediaType.valueOf(NPY))) {
                return Format.NPY;
            }
            if (type.isCompatible(MediaType.valueOf(PNG))) {
                return Format.PNG;
            }
        }
        return Format.JSON;
    }


    private static Response npyResponse(float[] values, int neurons, int frames) {
        return Response.ok(NpyWriter.float32(values, neurons, frames), NPY).build();
    }

    private static Response pngResponse(float[] values, Manifest.Mouse mouse, int frames, int firstFrame, Manifest manifest,
                                        boolean normalized) {
        String title = mouse.id() + ": predicted responses, mean of " + manifest.members().size() + " members ("
                + manifest.name() + ")";
        byte[] png = Heatmap.png(values, mouse.neurons(), frames, firstFrame, manifest.input().fps(), title,
                normalized ? "response / std" : "response");
        return Response.ok(png, PNG).build();
    }

    private static Response jsonResponse(float[] values, Manifest.Mouse mouse, int frames, Manifest manifest,
                                         int firstFrame, boolean normalized, Preprocessing preprocessing) {
        float[][] rows = new float[mouse.neurons()][];
        for (int n = 0; n < rows.length; n++) {
            rows[n] = java.util.Arrays.copyOfRange(values, n * frames, (n + 1) * frames);
        }
        List<Long> unitIds = mouse.unitIds() == null || mouse.unitIds().isEmpty() ? null : mouse.unitIds();
        ResponsesResult result = new ResponsesResult(mouse.id(), mouse.neurons(), frames, manifest.input().fps(),
                manifest.members().size(), manifest.name(), unitIds, rows, firstFrame, normalized ? Boolean.TRUE : null,
                preprocessing);
        return Response.ok(result, MediaType.APPLICATION_JSON_TYPE).build();
    }
}
