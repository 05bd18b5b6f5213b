package dwiseneuro.serve.api.v2;

import java.io.InputStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.fasterxml.jackson.databind.JsonNode;

import dwiseneuro.serve.ServeConfig;
import dwiseneuro.serve.api.ProblemException;
import dwiseneuro.serve.api.ServingState;
import dwiseneuro.serve.batching.InferenceScheduler;
import dwiseneuro.serve.clip.Clip;
import dwiseneuro.serve.ensemble.Ensemble;
import dwiseneuro.serve.ensemble.Manifest;
import dwiseneuro.serve.media.ClipDecoder;
import dwiseneuro.serve.media.MediaException;
import dwiseneuro.serve.media.NpyArray;
import io.smallrye.common.annotation.Blocking;
import io.vertx.core.http.HttpServerRequest;

/**
 * The Open Inference Protocol v2 (KServe v2 / Triton) REST API. The model is the served ensemble
 * (named as in its manifest); the mouse is the request parameter {@code mouse}. Inputs are the same
 * arrays as the .npy upload: {@code video} [36, 64, T] UINT8 or FP32, {@code behavior} and
 * {@code pupil_center} [2, T]; the output {@code responses} is FP32 [neurons, T]. Validation and
 * inference are the /v1 API's (Clip.of, InferenceScheduler); errors are {"error": "..."} as the protocol
 * defines, with the status the /v1 API would give.
 */
@Path("/v2")
@Tag(name = "v2", description = "Open Inference Protocol v2 (KServe / Triton REST)")
@Produces(MediaType.APPLICATION_JSON)
public class InferenceProtocolResource {

    static final String PLATFORM = "pytorch_torchscript";
    static final Set<String> INPUTS = ClipDecoder.ARRAYS;

    private final Ensemble ensemble;
    private final InferenceScheduler scheduler;
    private final ServingState state;
    private final ServeConfig config;

    public InferenceProtocolResource(Ensemble ensemble, InferenceScheduler scheduler, ServingState state, ServeConfig config) {
        this.ensemble = ensemble;
        this.scheduler = scheduler;
        this.state = state;
        this.config = config;
    }

    @GET
    @Operation(summary = "Server metadata (v2)", description = "Name, version and protocol extensions of this server.")
    @APIResponse(responseCode = "200", description = "Server metadata",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = V2Types.ServerMetadata.class)))
    public V2Types.ServerMetadata server() {
        return new V2Types.ServerMetadata("dwiseneuro-serve", "0.1.0", List.of());
    }

    @GET
    @Path("/health/live")
    @Operation(summary = "Server liveness (v2)", description = "200 while the process answers requests.")
    @APIResponse(responseCode = "200", description = "Live",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = V2Types.Live.class)))
    public V2Types.Live live() {
        return new V2Types.Live(true);
    }

    @GET
    @Path("/health/ready")
    @Operation(summary = "Server readiness (v2)",
            description = "200 when every member of the ensemble is loaded and warm; otherwise 400 (the protocol's 4xx "
                    + "for false) with {\"ready\": false}.")
    @APIResponse(responseCode = "200", description = "Ready",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = V2Types.Ready.class)))
    @APIResponse(responseCode = "400", description = "Not ready (loading, failed or shutting down)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = V2Types.Ready.class)))
    public Response ready() {
        boolean ready = state.ready();
        return Response.status(ready ? 200 : 400).entity(new V2Types.Ready(ready)).type(MediaType.APPLICATION_JSON).build();
    }

    @GET
    @Path("/models/{name}")
    @Operation(summary = "Model metadata (v2)",
            description = "The inputs and outputs of the ensemble. The output's first dimension is the mouse's neuron count "
                    + "(GET /v1/mice lists the mice).")
    @APIResponse(responseCode = "200", description = "Model metadata",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = V2Types.ModelMetadata.class)))
    @APIResponse(responseCode = "404", description = "No such model",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = V2Types.Error.class)))
    @APIResponse(responseCode = "503", description = "The ensemble's manifest is not read yet",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = V2Types.Error.class)))
    public V2Types.ModelMetadata model(@Parameter(description = "Model name: the ensemble's name from its manifest",
            example = "demo") @PathParam("name") String name) {
        Manifest manifest = model(name, false);
        Manifest.Input input = manifest.input();
        return new V2Types.ModelMetadata(manifest.name(), List.of("1"), PLATFORM,
                List.of(new V2Types.MetadataTensor("video", "FP32", List.of((long) input.videoHeight(), (long) input.videoWidth(), -1L)),
                        new V2Types.MetadataTensor("behavior", "FP32", List.of(2L, -1L)),
                        new V2Types.MetadataTensor("pupil_center", "FP32", List.of(2L, -1L))),
                List.of(new V2Types.MetadataTensor("responses", "FP32", List.of(-1L, -1L))));
    }

    @GET
    @Path("/models/{name}/ready")
    @Operation(summary = "Model readiness (v2)", description = "200 when the ensemble is ready; 400 (4xx for false) otherwise.")
    @APIResponse(responseCode = "200", description = "Ready",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = V2Types.ModelReady.class)))
    @APIResponse(responseCode = "400", description = "Not ready",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = V2Types.ModelReady.class)))
    @APIResponse(responseCode = "404", description = "No such model",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = V2Types.Error.class)))
    public Response modelReady(@Parameter(description = "Model name", example = "demo") @PathParam("name") String name) {
        Manifest manifest = ensemble.manifest().orElse(null);
        if (manifest != null && !manifest.name().equals(name)) {
            throw new ProblemException(404, unknownModel(name, manifest));
        }
        boolean ready = state.ready();
        return Response.status(ready ? 200 : 400).entity(new V2Types.ModelReady(name, ready)).type(MediaType.APPLICATION_JSON).build();
    }

    @POST
    @Path("/models/{name}/infer")
    @Blocking
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Predict responses (v2 inference)",
            description = "Inputs: video [36, 64, T] (UINT8 or FP32, row-major, as the .npy array), behavior [2, T] and "
                    + "pupil_center [2, T] (FP32 or FP64; either may be left out when the manifest has the mouse's "
                    + "training means). Request parameter 'mouse' names the mouse. Output: responses FP32 [neurons, T], "
                    + "the same numbers as POST /v1/mice/{id}/responses. Errors are {\"error\": \"...\"}.")
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = V2Types.InferenceRequestDoc.class),
            examples = @ExampleObject(name = "small", summary = "Shape of a request (data shortened)",
                    value = "{\"id\": \"trial-7\", \"parameters\": {\"mouse\": \"demo-mouse-1\"}, \"inputs\": ["
                            + "{\"name\": \"video\", \"datatype\": \"UINT8\", \"shape\": [36, 64, 40], \"data\": [0, 0, 0]}, "
                            + "{\"name\": \"behavior\", \"datatype\": \"FP32\", \"shape\": [2, 40], \"data\": [0.5, 0.5]}, "
                            + "{\"name\": \"pupil_center\", \"datatype\": \"FP32\", \"shape\": [2, 40], \"data\": [1.0, 1.0]}], "
                            + "\"outputs\": [{\"name\": \"responses\"}]}")))
    @APIResponse(responseCode = "200", description = "Inference response",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = V2Types.InferenceResponse.class)))
    @APIResponse(responseCode = "400", description = "Malformed request, unknown input/output/mouse parameter, wrong datatype",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = V2Types.Error.class)))
    @APIResponse(responseCode = "404", description = "No such model",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = V2Types.Error.class)))
    @APIResponse(responseCode = "413", description = "The body or the clip is larger than this service accepts",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = V2Types.Error.class)))
    @APIResponse(responseCode = "422", description = "Wrong shapes, NaN inside the clip, fewer than 31 frames",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = V2Types.Error.class)))
    @APIResponse(responseCode = "429", description = "The queue is full; retry after Retry-After seconds",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = V2Types.Error.class)))
    @APIResponse(responseCode = "503", description = "The ensemble is not ready",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = V2Types.Error.class)))
    @APIResponse(responseCode = "504", description = "The deadline passed before the windows ran",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = V2Types.Error.class)))
    public CompletionStage<Response> infer(@Parameter(description = "Model name", example = "demo") @PathParam("name") String name,
                                           InputStream body, jakarta.ws.rs.core.HttpHeaders headers,
                                           @jakarta.ws.rs.core.Context HttpServerRequest request) {
        Manifest manifest = model(name, true);
        ClipDecoder decoder = new ClipDecoder(manifest, config.limits().maxFrames(), config.limits().maxUploadBytes());
        InferRequest infer = InferRequest.read(body, decoder.maxVideoElements() + 2 * decoder.maxTraceElements());
        Manifest.Mouse mouse = mouse(infer, manifest);
        for (String input : infer.inputs().keySet()) {
            if (!INPUTS.contains(input)) {
                throw new MediaException("unknown input '" + input + "'; this model takes video, behavior and pupil_center");
            }
        }
        if (infer.outputs() != null) {
            for (String output : infer.outputs()) {
                if (!"responses".equals(output)) {
                    throw new MediaException("unknown output '" + output + "'; this model has one output, responses");
                }
            }
        }
        InferRequest.Tensor video = infer.inputs().get("video");
        if (video == null) {
            throw new MediaException("input 'video' is required");
        }
        if (!"UINT8".equals(video.datatype()) && !video.datatype().startsWith("FP")) {
            throw new MediaException("input 'video' must be UINT8 or FP32");
        }
        InferRequest.Tensor behavior = infer.inputs().get("behavior");
        InferRequest.Tensor pupil = infer.inputs().get("pupil_center");
        for (InferRequest.Tensor trace : new InferRequest.Tensor[] {behavior, pupil}) {
            if (trace != null && !trace.datatype().startsWith("FP")) {
                throw new MediaException("input '" + trace.name() + "' must be FP32 or FP64");
            }
        }
        ClipDecoder.Decoded decoded = decoder.assemble(video.array(), "v2 input (" + video.datatype() + ")", null,
                array(behavior), behavior == null ? null : "v2 input", array(pupil), pupil == null ? null : "v2 input", mouse);
        Clip clip = decoded.clip();
        Duration timeout = config.batching().defaultTimeout();
        InferenceScheduler.Submission submission = scheduler.submit(clip, mouse, timeout);
        request.response().closeHandler(ignored -> submission.cancel().run());
        return submission.thenAnswer(values -> {
            Map<String, Object> parameters = new LinkedHashMap<>();
            parameters.put("mouse", mouse.id());
            parameters.put("frames", clip.frames());
            parameters.put("fps", manifest.input().fps());
            parameters.put("members", manifest.members().size());
            if (decoded.preprocessing() != null && decoded.preprocessing().notes() != null) {
                parameters.put("notes", String.join("; ", decoded.preprocessing().notes()));
            }
            V2Types.ResponseOutput output = new V2Types.ResponseOutput("responses",
                    List.of(mouse.neurons(), clip.frames()), "FP32", values);
            return Response.ok(new V2Types.InferenceResponse(manifest.name(), null, infer.id(), parameters,
                    List.of(output)), MediaType.APPLICATION_JSON_TYPE).build();
        });
    }

    private static NpyArray array(InferRequest.Tensor tensor) {
        return tensor == null ? null : tensor.array();
    }

    private Manifest.Mouse mouse(InferRequest infer, Manifest manifest) {
        JsonNode mouse = infer.parameters().get("mouse");
        if (mouse == null || mouse.isNull()) {
            if (manifest.mice().size() == 1) {
                return manifest.mice().get(0);
            }
            throw new MediaException("the request parameter 'mouse' is required: {\"parameters\": {\"mouse\": \""
                    + manifest.mice().get(0).id() + "\"}}; GET /v1/mice lists the mice");
        }
        if (!mouse.isTextual()) {
            throw new MediaException("the request parameter 'mouse' must be a string");
        }
        return ensemble.mouse(mouse.asText()).orElseThrow(() -> new MediaException(
                "unknown mouse '" + mouse.asText() + "'; GET /v1/mice lists the mice of this ensemble"));
    }

    private Manifest model(String name, boolean mustBeReady) {
        Manifest manifest = ensemble.manifest().orElse(null);
        if (manifest == null) {
            throw new ProblemException(503, "the ensemble is still loading", Map.of("Retry-After", "10"));
        }
        if (!manifest.name().equals(name)) {
            throw new ProblemException(404, unknownModel(name, manifest));
        }
        return mustBeReady ? state.readyManifest() : manifest;
    }

    private static String unknownModel(String name, Manifest manifest) {
        return "unknown model '" + name + "'; this server serves '" + manifest.name() + "'";
    }
}
