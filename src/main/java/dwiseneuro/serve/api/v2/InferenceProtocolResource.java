package dwiseneuro.serve.api.v2;

import java.io.InputStream;
import java.time.Duration;
import java.util.Arrays;
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
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

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
    /** The one version of the served ensemble: a server serves one ensemble folder, whose version is "1". */
    static final String VERSION = "1";
    static final String OCTET_STREAM = MediaType.APPLICATION_OCTET_STREAM;

    private final Ensemble ensemble;
    private final InferenceScheduler scheduler;
    private final ServingState state;
    private final ServeConfig config;
    private final ObjectMapper json;

    public InferenceProtocolResource(Ensemble ensemble, InferenceScheduler scheduler, ServingState state, ServeConfig config,
                                     ObjectMapper json) {
        this.ensemble = ensemble;
        this.scheduler = scheduler;
        this.state = state;
        this.config = config;
        this.json = json;
    }

    @GET
    @Operation(summary = "Server metadata (v2)", description = "Name, version and protocol extensions of this server "
            + "(binary_tensor_data: the binary tensor data extension).")
    @APIResponse(responseCode = "200", description = "Server metadata",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = V2Types.ServerMetadata.class)))
    public V2Types.ServerMetadata server() {
        return new V2Types.ServerMetadata("dwiseneuro-serve", "0.1.0", List.of(BinaryTensors.EXTENSION));
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
        return new V2Types.ModelMetadata(manifest.name(), List.of(VERSION), PLATFORM,
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

    @GET
    @Path("/models/{name}/versions/{version}")
    @Operation(summary = "Model version metadata (v2)", description = "The metadata of GET /v2/models/{name} for one of "
            + "the versions it lists; 404 for other versions.")
    @APIResponse(responseCode = "200", description = "Model metadata",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = V2Types.ModelMetadata.class)))
    @APIResponse(responseCode = "404", description = "No such model or version",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = V2Types.Error.class)))
    public V2Types.ModelMetadata modelVersion(@Parameter(description = "Model name", example = "demo") @PathParam("name") String name,
                                              @Parameter(description = "Model version", example = VERSION) @PathParam("version") String version) {
        version(name, version);
        return model(name);
    }

    @GET
    @Path("/models/{name}/versions/{version}/ready")
    @Operation(summary = "Model version readiness (v2)", description = "As GET /v2/models/{name}/ready, for a listed version.")
    @APIResponse(responseCode = "200", description = "Ready",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = V2Types.ModelReady.class)))
    @APIResponse(responseCode = "400", description = "Not ready",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = V2Types.ModelReady.class)))
    @APIResponse(responseCode = "404", description = "No such model or version",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = V2Types.Error.class)))
    public Response modelVersionReady(@Parameter(description = "Model name", example = "demo") @PathParam("name") String name,
                                      @Parameter(description = "Model version", example = VERSION) @PathParam("version") String version) {
        version(name, version);
        return modelReady(name);
    }

    @POST
    @Path("/models/{name}/versions/{version}/infer")
    @Blocking
    @Consumes({MediaType.APPLICATION_JSON, OCTET_STREAM})
    @Operation(summary = "Predict responses (v2 inference, versioned)",
            description = "POST /v2/models/{name}/infer for a listed version; 404 for other versions.")
    @RequestBody(required = true, content = {
            @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = V2Types.InferenceRequestDoc.class)),
            @Content(mediaType = OCTET_STREAM, schema = @Schema(type = SchemaType.STRING, format = "binary"))})
    @APIResponse(responseCode = "200", description = "Inference response (application/octet-stream with binary outputs)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = V2Types.InferenceResponse.class)))
    @APIResponse(responseCode = "404", description = "No such model or version",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = V2Types.Error.class)))
    @APIResponse(responseCode = "4XX", description = "As POST /v2/models/{name}/infer",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = V2Types.Error.class)))
    public CompletionStage<Response> inferVersion(@Parameter(description = "Model name", example = "demo") @PathParam("name") String name,
                                                  @Parameter(description = "Model version", example = VERSION) @PathParam("version") String version,
                                                  InputStream body, @Context HttpHeaders headers, @Context HttpServerRequest request) {
        version(name, version);
        return infer(name, body, headers, request);
    }

    @POST
    @Path("/models/{name}/infer")
    @Blocking
    @Consumes({MediaType.APPLICATION_JSON, OCTET_STREAM})
    @Operation(summary = "Predict responses (v2 inference)",
            description = "Inputs: video [36, 64, T] (UINT8 or FP32, row-major, as the .npy array), behavior [2, T] and "
                    + "pupil_center [2, T] (FP32 or FP64; either may be left out when the manifest has the mouse's "
                    + "training means). Request parameter 'mouse' names the mouse. Output: responses FP32 [neurons, T], "
                    + "the same numbers as POST /v1/mice/{id}/responses. Errors are {\"error\": \"...\"}. "
                    + "Binary tensor data extension: with the header Inference-Header-Content-Length (the JSON's length in "
                    + "bytes), inputs with parameters.binary_data_size have their values after the JSON (little-endian, "
                    + "row-major); an output with parameters.binary_data true (or the request parameter binary_data_output) "
                    + "comes back the same way, in application/octet-stream with the response's own "
                    + "Inference-Header-Content-Length.")
    @RequestBody(required = true, content = {@Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = V2Types.InferenceRequestDoc.class),
            examples = @ExampleObject(name = "small", summary = "Shape of a request (data shortened)",
                    value = "{\"id\": \"trial-7\", \"parameters\": {\"mouse\": \"demo-mouse-1\"}, \"inputs\": ["
                            + "{\"name\": \"video\", \"datatype\": \"UINT8\", \"shape\": [36, 64, 40], \"data\": [0, 0, 0]}, "
                            + "{\"name\": \"behavior\", \"datatype\": \"FP32\", \"shape\": [2, 40], \"data\": [0.5, 0.5]}, "
                            + "{\"name\": \"pupil_center\", \"datatype\": \"FP32\", \"shape\": [2, 40], \"data\": [1.0, 1.0]}], "
                            + "\"outputs\": [{\"name\": \"responses\"}]}")),
            @Content(mediaType = OCTET_STREAM, schema = @Schema(type = SchemaType.STRING, format = "binary",
                    description = "The JSON request (Inference-Header-Content-Length bytes), then the binary inputs"))})
    @APIResponse(responseCode = "200", description = "Inference response: JSON, or with binary outputs "
            + "application/octet-stream (the JSON response, Inference-Header-Content-Length bytes, then the FP32 values)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = V2Types.InferenceResponse.class)))
    @APIResponse(responseCode = "400", description = "Malformed request, unknown input/output/mouse parameter, wrong datatype, "
            + "binary data whose sizes do not add up",
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
                                           InputStream body, @Context HttpHeaders headers, @Context HttpServerRequest request) {
        Manifest manifest = model(name, true);
        ClipDecoder decoder = new ClipDecoder(manifest, config.limits().maxFrames(), config.limits().maxUploadBytes());
        InferRequest infer = InferRequest.read(body, BinaryTensors.headerLength(headers.getHeaderString(BinaryTensors.HEADER)),
                decoder.maxVideoElements() + 2 * decoder.maxTraceElements());
        Manifest.Mouse mouse = mouse(infer, manifest);
        for (String input : infer.inputs().keySet()) {
            if (!INPUTS.contains(input)) {
                throw new MediaException("unknown input '" + input + "'; this model takes video, behavior and pupil_center");
            }
        }
        InferRequest.RequestedOutput requested = null;
        if (infer.outputs() != null) {
            for (InferRequest.RequestedOutput output : infer.outputs()) {
                if (!"responses".equals(output.name())) {
                    throw new MediaException("unknown output '" + output.name() + "'; this model has one output, responses");
                }
                requested = output;
            }
        }
        boolean binary = infer.binary(requested);
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
            List<Integer> shape = List.of(mouse.neurons(), clip.frames());
            if (!binary) {
                return Response.ok(new V2Types.InferenceResponse(manifest.name(), VERSION, infer.id(), parameters,
                        List.of(new V2Types.ResponseOutput("responses", shape, "FP32", null, values))), MediaType.APPLICATION_JSON_TYPE).build();
            }
            byte[] data = BinaryTensors.fp32(values);
            V2Types.ResponseOutput output = new V2Types.ResponseOutput("responses", shape, "FP32",
                    Map.of("binary_data_size", data.length), null);
            return binaryResponse(new V2Types.InferenceResponse(manifest.name(), VERSION, infer.id(), parameters, List.of(output)), data);
        });
    }

    /** The JSON response, then the outputs' binary data, with the JSON's length in Inference-Header-Content-Length. */
    private Response binaryResponse(V2Types.InferenceResponse response, byte[] data) {
        byte[] header;
        try {
            header = json.writeValueAsBytes(response);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the inference response does not serialise", e);
        }
        byte[] body = Arrays.copyOf(header, header.length + data.length);
        System.arraycopy(data, 0, body, header.length, data.length);
        return Response.ok(body, MediaType.APPLICATION_OCTET_STREAM_TYPE).header(BinaryTensors.HEADER, header.length).build();
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

    /** 404 unless {@code name} is the served model and {@code version} one of the versions its metadata lists. */
    private void version(String name, String version) {
        Manifest manifest = ensemble.manifest().orElse(null); // still loading: the unversioned method answers
        if (manifest != null && !manifest.name().equals(name)) {
            throw new ProblemException(404, unknownModel(name, manifest));
        }
        if (!VERSION.equals(version)) {
            throw new ProblemException(404, "unknown version '" + version + "' of model '" + name
                    + "'; its versions are [" + VERSION + "]");
        }
    }

    private static String unknownModel(String name, Manifest manifest) {
        return "unknown model '" + name + "'; this server serves '" + manifest.name() + "'";
    }
}
