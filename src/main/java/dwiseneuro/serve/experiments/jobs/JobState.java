package dwiseneuro.serve.experiments.jobs;

import java.util.Locale;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** Where a job is: queued, running, or one of the final states. */
public enum JobState {
    QUEUED, RUNNING, DONE, FAILED, CANCELLED, INTERRUPTED;

    /** done, failed, cancelled or interrupted: the job will not change again. */
    public boolean finished() {
        return this != QUEUED && this != RUNNING;
    }

    /** The JSON value and metric tag: queued, running, done, failed, cancelled, interrupted. */
    @JsonValue
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static JobState of(String tag) {
        return valueOf(tag.toUpperCase(Locale.ROOT));
    }
}
