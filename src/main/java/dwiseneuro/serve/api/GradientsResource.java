package dwiseneuro.serve.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletionStage;

import jakarta.ws.rs.Consumes;
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
import org.jboss.resteasy.reactive.multipart.FileUpload;
import org.jboss.resteasy.reactive.server.multipart.MultipartFormDataInput;

import dwiseneuro.serve.ServeConfig;
import dwiseneuro.serve.batching.GradientsUnavailableException;
import dwiseneuro.serve.batching.InferenceScheduler;
import dwiseneuro.serve.batching.Priority;
import dwiseneuro.serve.clip.Clip;
import dwiseneuro.serve.ensemble.Manifest;
import dwiseneuro.serve.media.NpyWriter;
import io.smallrye.common.annotation.Blocking;
import io.vertx.core.http.HttpServerRequest;

/** The gradient of an objective on a mouse's predicted responses with respect to the clip's pixels. */
@Path("/v1/mice")
@Tag(name = "gradients", description = "Gradients of predicted responses with respect to the video, for your own optimisers")
public class GradientsResource {

    private static final Set<String> PARTS;

    static {
        Set<String> parts = new HashSet<>(ClipRequests.CLIP_PARTS);
        parts.add("objective");
        PARTS = Set.copyOf(parts);
    }

    private final InferenceScheduler scheduler;
    private final ServingState state;
    private final ServeConfig config;

    public GradientsResource(InferenceScheduler scheduler, ServingState state, ServeConfig config) {
        this.scheduler = scheduler;
        this.state = state;
        this.config = config;
    }

    @POST
    @Path("/{id}/gradients")
    @Blocking
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Produces({MediaType.APPLICATION_JSON, MiceResource.NPY})
    @Operation(summary = "Gradient of an objective with respect to the video",
            description = "J = sum over the objective's neurons and frames of weight x the ensemble-mean response (the "
                    + "numbers /responses answers for the same clip). Answers dJ / dvideo, the exact gradient through the "
                    + "sliding-window blend and the mean over members (each member's input_gradient), shaped like the "
                    + "video: a float32 .npy (36, 64, frames) for Accept: application/x-npy, JSON with J otherwise "
                    + "(the .npy answer carries J in the X-Objective header). Behavior and pupil centre are held as "
                    + "given: only the video's gradient is answered.")
    @APIResponse(responseCode = "200", description = "J and dJ / dvideo",
            content = {
                @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = GradientsResult.class)),
                @Content(mediaType = MiceResource.NPY, schema = @Schema(type = SchemaType.STRING, format = "binary"))})
    @APIResponse(responseCode = "400", description = "A part is missing, unknown, repeated or unreadable",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "No such mouse in the served ensemble",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "A member of the served ensemble does not export input_gradient "
            + "(exported before gradients existed): re-export with trainer/bin/trainer convert",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "413", description = "The upload or the clip is larger than this service accepts",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "422", description = "A bad clip (as /responses) or a bad objective: no neurons, a neuron "
            + "outside the mouse's rows or listed twice, a frames range outside the clip, weights of the wrong shape",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "429", description = "The queue is full; retry after the Retry-After header's seconds",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "503", description = "The ensemble is not ready (loading, failed, or shutting down)",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "504", description = "The request's deadline passed before its windows ran",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public CompletionStage<Response> gradients(
            @Parameter(description = "Mouse id from GET /v1/mice", example = "demo-mouse-1") @PathParam("id") String id,
            GradientsUpload upload,
            MultipartFormDataInput form,
            @Parameter(description = "Deadline for this request in milliseconds (default from dwiseneuro.batching.default-timeout)",
                    example = "600000", schema = @Schema(type = SchemaType.INTEGER, format = "int64"))
            @QueryParam("timeout_ms") String timeoutMs,
            @Parameter(description = "Deadline in milliseconds, as a header; the query parameter wins", example = "600000",
                    schema = @Schema(type = SchemaType.INTEGER, format = "int64"))
            @HeaderParam("X-Request-Timeout-Ms") String timeoutHeader,
            @Context HttpHeaders headers,
            @Context HttpServerRequest request) {
        Manifest manifest = state.readyManifest();
        Manifest.Mouse mouse = state.mouse(id);
        boolean npy = MiceResource.format(headers) == MiceResource.Format.NPY;
        Duration timeout = ClipRequests.timeout(timeoutMs, timeoutHeader, config);
        UploadParts.check(headers.getMediaType(), form, PARTS);
        GradientObjective objective = GradientObjective.parse(objectiveText(upload));
        Clip clip = ClipRequests.readClip(upload, manifest, mouse, config).clip();
        float[] weights = objective.weights(mouse, clip.frames());
        InferenceScheduler.GradientSubmission submission;
        try {
            submission = scheduler.submitGradient(clip, mouse, weights, timeout, Priority.INTERACTIVE);
        } catch (GradientsUnavailableException e) {
            throw new ProblemException(409, e.getMessage());
        }
        request.response().closeHandler(ignored -> submission.submission().cancel().run());
        return submission.thenAnswer((value, gradient) -> npy
                ? Response.ok(NpyWriter.float32(gradient, clip.height(), clip.width(), clip.frames()), MiceResource.NPY)
                        .header("X-Objective", Float.toString(value)).build()
                : Response.ok(json(mouse, value, gradient, clip, manifest), MediaType.APPLICATION_JSON_TYPE).build());
    }

    /** The objective part: a text field, or a file part (curl -F objective=@objective.json). */
    private static String objectiveText(GradientsUpload upload) {
        if (upload != null && upload.all != null) {
            for (FileUpload part : upload.all) {
                if (part.name().equals("objective") && part.uploadedFile() != null) {
                    try {
                        return Files.readString(part.uploadedFile());
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            }
        }
        return upload == null ? null : upload.objective;
    }

    private static GradientsResult json(Manifest.Mouse mouse, float value, float[] gradient, Clip clip, Manifest manifest) {
        float[][][] rows = new float[clip.height()][clip.width()][];
        for (int y = 0; y < clip.height(); y++) {
            for (int x = 0; x < clip.width(); x++) {
                int at = (y * clip.width() + x) * clip.frames();
                rows[y][x] = java.util.Arrays.copyOfRange(gradient, at, at + clip.frames());
            }
        }
        return new GradientsResult(mouse.id(), value, clip.height(), clip.width(), clip.frames(), manifest.members().size(), rows);
    }
}
