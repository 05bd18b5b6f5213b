package dwiseneuro.serve.api;

import java.nio.file.Path;
import java.util.List;

import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dwiseneuro.serve.experiments.StimulusDownloads;
import dwiseneuro.serve.experiments.jobs.JobRecord;
import dwiseneuro.serve.experiments.jobs.JobRunner;

/** Follows, cancels and downloads experiment jobs (started with POST /v1/mice/{id}/experiments). */
@jakarta.ws.rs.Path("/v1/experiments")
@Tag(name = "experiments")
public class ExperimentsResource {

    public static final String NPZ = "application/zip";
    private static final String JOB_ID = "3f2b9c1e-8a4d-4e0b-9a57-2d51c0b7e6a1";

    private final JobRunner jobs;

    public ExperimentsResource(JobRunner jobs) {
        this.jobs = jobs;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "List the jobs", description = "Every job the service knows, newest first: those running and waiting, "
            + "and finished ones within the retention period (read back from the results directory after a restart).")
    @APIResponse(responseCode = "200", description = "The jobs, without their specs and logs",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(type = SchemaType.ARRAY, implementation = JobRecord.class)))
    public List<JobRecord> list() {
        return jobs.list();
    }

    @GET
    @jakarta.ws.rs.Path("/{job}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Get a job", description = "State, progress (windows done of the total), an estimate of the time "
            + "left, timestamps, the spec, the job's log, and links to its result once it is done.")
    @APIResponse(responseCode = "200", description = "The job",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = JobRecord.class)))
    @APIResponse(responseCode = "404", description = "No such job (or removed after the retention period)",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public JobRecord get(@Parameter(description = "Job id", example = JOB_ID) @PathParam("job") String job) {
        return jobs.get(job);
    }

    @DELETE
    @jakarta.ws.rs.Path("/{job}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Cancel a job", description = "A queued job ends at once; a running one stops: its clips waiting in the "
            + "device queues leave them without running. Answers the job, normally already cancelled (the answer waits "
            + "up to 5 s for a running experiment to stop). Any instance of the service cancels any job: one that runs "
            + "on another instance is cancelled by it within a second. Finished jobs stay until the retention period ends.")
    @APIResponse(responseCode = "200", description = "The job, cancelled",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = JobRecord.class)))
    @APIResponse(responseCode = "202", description = "The job, still stopping (it runs on another instance, or its "
            + "experiment has not noticed yet): GET it again",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = JobRecord.class)))
    @APIResponse(responseCode = "404", description = "No such job",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "The job has already finished",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Response cancel(@Parameter(description = "Job id", example = JOB_ID) @PathParam("job") String job)
            throws InterruptedException {
        JobRecord record = jobs.cancel(job);
        return Response.status(record.state().finished() ? 200 : 202).entity(record).type(MediaType.APPLICATION_JSON_TYPE).build();
    }

    @GET
    @jakarta.ws.rs.Path("/{job}/result")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Get a job's result", description = "The experiment's JSON result: per-neuron values in row order, "
            + "the stimulus parameters and the response measure used (the keys are the experiment type's).")
    @APIResponse(responseCode = "200", description = "The result",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(type = SchemaType.OBJECT)))
    @APIResponse(responseCode = "404", description = "No such job",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "The job is not done (queued, running, failed, cancelled or interrupted)",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Response result(@Parameter(description = "Job id", example = JOB_ID) @PathParam("job") String job) {
        return file(jobs.resultJson(job), MediaType.APPLICATION_JSON, null);
    }

    @GET
    @jakarta.ws.rs.Path("/{job}/result.npz")
    @Produces(NPZ)
    @Operation(summary = "Get a job's result arrays", description = "The result's arrays as a NumPy .npz (float32; "
            + "numpy.load reads it), e.g. responses (neurons x conditions) or receptive-field maps.")
    @APIResponse(responseCode = "200", description = "The .npz archive",
            content = @Content(mediaType = NPZ, schema = @Schema(type = SchemaType.STRING, format = "binary")))
    @APIResponse(responseCode = "404", description = "No such job",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "The job is not done",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Response resultNpz(@Parameter(description = "Job id", example = JOB_ID) @PathParam("job") String job) {
        return file(jobs.resultNpz(job), NPZ, job + "-result.npz");
    }

    @GET
    @jakarta.ws.rs.Path("/{job}/plots/{name}")
    @Produces(MiceResource.PNG)
    @Operation(summary = "Get a plot of a job's result", description = "A PNG plot (e.g. polar tuning curves, the "
            + "receptive-field mosaic); the job's 'plots' lists them.")
    @APIResponse(responseCode = "200", description = "The plot",
            content = @Content(mediaType = MiceResource.PNG, schema = @Schema(type = SchemaType.STRING, format = "binary")))
    @APIResponse(responseCode = "404", description = "No such job or plot",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "The job is not done",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Response plot(@Parameter(description = "Job id", example = JOB_ID) @PathParam("job") String job,
                         @Parameter(description = "Plot file name, from the job's 'plots'", example = "polar_tuning.png")
                         @PathParam("name") String name) {
        return file(jobs.plot(job, name), MiceResource.PNG, null);
    }

    @GET
    @jakarta.ws.rs.Path("/{job}/files/{name}")
    @Produces({MiceResource.NPY, "video/mp4", MiceResource.PNG, MediaType.APPLICATION_OCTET_STREAM})
    @Operation(summary = "Download a file of a job's result", description = "Files beyond result.npz and the plots, "
            + "listed in the result's 'files': e.g. a most_exciting job's best stimulus as best.npy (float32 (36, 64, "
            + "frames), raw 0..255), best.mp4 (lossless gray) and its frames as PNG.")
    @APIResponse(responseCode = "200", description = "The file",
            content = {@Content(mediaType = MiceResource.NPY, schema = @Schema(type = SchemaType.STRING, format = "binary")),
                @Content(mediaType = "video/mp4", schema = @Schema(type = SchemaType.STRING, format = "binary")),
                @Content(mediaType = MiceResource.PNG, schema = @Schema(type = SchemaType.STRING, format = "binary"))})
    @APIResponse(responseCode = "404", description = "No such job or file",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "The job is not done",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Response resultFile(@Parameter(description = "Job id", example = JOB_ID) @PathParam("job") String job,
                               @Parameter(description = "File name, from the result's 'files'", example = "best.npy")
                               @PathParam("name") String name) {
        String type = name.endsWith(".npy") ? MiceResource.NPY : name.endsWith(".mp4") ? "video/mp4"
                : name.endsWith(".png") ? MiceResource.PNG : MediaType.APPLICATION_OCTET_STREAM;
        return file(jobs.file(job, name), type, name);
    }

    @GET
    @jakarta.ws.rs.Path("/{job}/stimuli")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "List a job's stimuli", description = "The experiment's stimulus clips in the order shown, each "
            + "downloadable as .npy (float32, raw 0..255) and .mp4, to show the same frames on a rig. Stimuli are "
            + "deterministic functions of the spec: they are available while the job is queued, running or finished.")
    @APIResponse(responseCode = "200", description = "The stimuli",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(type = SchemaType.ARRAY, implementation = StimulusLink.class)))
    @APIResponse(responseCode = "404", description = "No such job, or its type offers no stimulus downloads",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public List<StimulusLink> stimuli(@Parameter(description = "Job id", example = JOB_ID) @PathParam("job") String job) {
        String base = "/v1/experiments/" + job + "/stimuli/";
        return jobs.stimuli(job).stimulusNames().stream()
                .map(name -> new StimulusLink(name, base + name + ".npy", base + name + ".mp4")).toList();
    }

    @GET
    @jakarta.ws.rs.Path("/{job}/stimuli/{file}")
    @Produces({MiceResource.NPY, "video/mp4"})
    @Operation(summary = "Download a stimulus", description = "One stimulus clip: NAME.npy (float32 (36, 64, frames), raw "
            + "0..255) or NAME.mp4 (lossless gray, a PNG per frame, at the model's frame rate: its decoded frames equal the .npy).")
    @APIResponse(responseCode = "200", description = "The stimulus",
            content = {@Content(mediaType = MiceResource.NPY, schema = @Schema(type = SchemaType.STRING, format = "binary")),
                @Content(mediaType = "video/mp4", schema = @Schema(type = SchemaType.STRING, format = "binary"))})
    @APIResponse(responseCode = "404", description = "No such job or stimulus, or not .npy/.mp4",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Response stimulus(@Parameter(description = "Job id", example = JOB_ID) @PathParam("job") String job,
                             @Parameter(description = "Stimulus name and format", example = "trial_000.npy")
                             @PathParam("file") String file) {
        StimulusDownloads stimuli = jobs.stimuli(job);
        int dot = file.lastIndexOf('.');
        String name = dot < 0 ? file : file.substring(0, dot);
        String format = dot < 0 ? "" : file.substring(dot + 1);
        if (!stimuli.stimulusNames().contains(name) || !(format.equals("npy") || format.equals("mp4"))) {
            throw new ProblemException(404, "job " + job + " has no stimulus file '" + file + "'; GET /v1/experiments/"
                    + job + "/stimuli lists them (NAME.npy or NAME.mp4)");
        }
        return format.equals("npy")
                ? Response.ok(stimuli.npy(name), MiceResource.NPY).header("Content-Disposition", disposition(file)).build()
                : Response.ok(stimuli.mp4(name), "video/mp4").header("Content-Disposition", disposition(file)).build();
    }

    private static Response file(Path path, String type, String download) {
        Response.ResponseBuilder response = Response.ok(path.toFile(), type);
        if (download != null) {
            response.header("Content-Disposition", disposition(download));
        }
        return response.build();
    }

    private static String disposition(String name) {
        return "attachment; filename=\"" + name + "\"";
    }
}
