package dwiseneuro.serve.experiments.jobs;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A job as the API shows it and as its folder's job.json keeps it (without the links, which the API adds).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
@Schema(name = "ExperimentJob", description = "An in-silico experiment run as a background job")
public record JobRecord(
        @Schema(description = "Job id", example = "3f2b9c1e-8a4d-4e0b-9a57-2d51c0b7e6a1") String id,
        @Schema(description = "The spec's experiment type", example = "direction_tuning") String type,
        @Schema(description = "Mouse id", example = "demo-mouse-1") String mouse,
        @Schema(description = "queued, running, done, failed, cancelled (DELETE) or interrupted (cut by a shutdown or crash of the service)",
                enumeration = {"queued", "running", "done", "failed", "cancelled", "interrupted"}, example = "running")
        JobState state,
        @Schema(description = "Windows done of the total, 0..1", example = "0.42") double progress,
        @JsonProperty("windows_done") @Schema(description = "Windows run through every member so far", example = "2100")
        long windowsDone,
        @JsonProperty("windows_total") @Schema(description = "Windows the experiment submits in all", example = "5000")
        long windowsTotal,
        @JsonProperty("seconds_left") @Schema(description = "Estimate of the time left while running, from the job's own "
                + "window rate so far; absent while queued and when finished", example = "73.5")
        Double secondsLeft,
        @JsonProperty("windows_per_second") @Schema(description = "The job's window rate since it started", example = "38.2")
        Double windowsPerSecond,
        @Schema(description = "When the job was submitted (UTC)", example = "2026-12-01T20:30:00Z") Instant created,
        @Schema(description = "When it started running", example = "2026-12-01T20:30:01Z") Instant started,
        @Schema(description = "When it ended (done, failed, cancelled or interrupted)", example = "2026-12-01T20:32:11Z")
        Instant finished,
        @Schema(description = "Why it failed or was interrupted") String error,
        @Schema(description = "The service instance (pod) that runs or ran it", example = "dwiseneuro-serve-7d9f8-x2k4q")
        String owner,
        @Schema(description = "When its owner last saved it: a running job's owner saves it at every progress line, so an "
                + "old value means the owner is gone", example = "2026-12-01T20:31:00Z")
        Instant updated,
        @Schema(description = "Result plots (PNG file names); the links say where", example = "[\"polar_tuning.png\"]")
        List<String> plots,
        @Schema(description = "The spec as submitted (single-job answers only)", type = SchemaType.OBJECT) JsonNode spec,
        @Schema(description = "The job's log: stages of the run and rates (single-job answers only)") List<String> log,
        @Schema(description = "Where the job's resources are") Links links) {

    /** URLs of the job's resources; result ones once it is done, stimuli when its experiment offers them. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(name = "ExperimentJobLinks")
    public record Links(
            @Schema(example = "/v1/experiments/3f2b9c1e-8a4d-4e0b-9a57-2d51c0b7e6a1") String self,
            @Schema(description = "The JSON result", example = "/v1/experiments/3f2b9c1e-8a4d-4e0b-9a57-2d51c0b7e6a1/result")
            String result,
            @JsonProperty("result_npz") @Schema(description = "The result's arrays, float32, as NumPy .npz",
                    example = "/v1/experiments/3f2b9c1e-8a4d-4e0b-9a57-2d51c0b7e6a1/result.npz")
            String resultNpz,
            @Schema(description = "Each plot's PNG by file name") Map<String, String> plots,
            @Schema(description = "The list of stimuli, each downloadable as .npy and .mp4",
                    example = "/v1/experiments/3f2b9c1e-8a4d-4e0b-9a57-2d51c0b7e6a1/stimuli")
            String stimuli) {
    }

    /** This record without what only single-job answers carry (spec, log). */
    public JobRecord summary() {
        return new JobRecord(id, type, mouse, state, progress, windowsDone, windowsTotal, secondsLeft, windowsPerSecond,
                created, started, finished, error, owner, updated, plots, null, null, links);
    }

    JobRecord withLinks(Links links) {
        return new JobRecord(id, type, mouse, state, progress, windowsDone, windowsTotal, secondsLeft, windowsPerSecond,
                created, started, finished, error, owner, updated, plots, spec, log, links);
    }
}
