package dwiseneuro.serve.api;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dwiseneuro.serve.ensemble.Manifest;
import dwiseneuro.serve.experiments.jobs.JobRecord;
import dwiseneuro.serve.experiments.jobs.JobRunner;

/** Starts an in-silico experiment on a mouse: the job runs in the background (ExperimentsResource follows it). */
@Path("/v1/mice/{id}/experiments")
@Tag(name = "experiments", description = "In-silico experiments (tuning curves, receptive fields) run as background jobs")
public class MouseExperimentsResource {

    private final JobRunner jobs;
    private final ServingState state;
    private final ObjectMapper json;

    public MouseExperimentsResource(JobRunner jobs, ServingState state, ObjectMapper json) {
        this.jobs = jobs;
        this.state = state;
        this.json = json;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Start an experiment",
            description = "Validates the spec for the mouse and queues it as a job. Its stimuli go through the same device "
                    + "queues as interactive requests, at background priority: interactive windows are taken first and the "
                    + "experiment fills the rest of each batch. Follow the job at the Location; its result, arrays and plots "
                    + "are there once it is done.")
    @RequestBody(required = true, description = "The experiment spec: 'type' and that type's keys",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ExperimentSpec.class)))
    @APIResponse(responseCode = "202", description = "Queued; Location is the job",
            headers = @Header(name = "Location", description = "The job: /v1/experiments/{job}", schema = @Schema(implementation = String.class)),
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = JobRecord.class)))
    @APIResponse(responseCode = "400", description = "The body is not JSON",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "No such mouse in the served ensemble",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "415", description = "The body is not application/json",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "422", description = "A bad spec (the problem's 'field' names the key at fault), an unknown "
            + "type, or more windows than a job may run",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "429", description = "As many jobs are running and waiting as the service takes; retry after "
            + "the Retry-After header's seconds",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "503", description = "The ensemble is not ready, the service is shutting down, or the "
            + "results directory is not usable",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Response start(
            @Parameter(description = "Mouse id from GET /v1/mice", example = "demo-mouse-1") @PathParam("id") String id,
            String body) {
        Manifest manifest = state.readyManifest();
        Manifest.Mouse mouse = state.mouse(id);
        JobRecord job = jobs.submit(manifest, mouse, spec(body));
        return Response.accepted(job).header("Location", job.links().self()).type(MediaType.APPLICATION_JSON_TYPE).build();
    }

    private JsonNode spec(String body) {
        if (body == null || body.isBlank()) {
            throw new ProblemException(400, "the body is empty; send the experiment spec as a JSON object with a 'type'");
        }
        JsonNode spec;
        try {
            spec = json.readTree(body);
        } catch (JsonProcessingException e) {
            throw new ProblemException(400, "the body is not JSON: " + e.getOriginalMessage());
        }
        if (!spec.isObject()) {
            throw new ProblemException(422, "the spec must be a JSON object with a 'type', got " + spec.getNodeType()
                    .name().toLowerCase(java.util.Locale.ROOT));
        }
        return spec;
    }
}
