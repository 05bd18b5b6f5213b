package dwiseneuro.serve.experiments.jobs;

/**
 * A job request the service cannot take or answer now: no such job (404), not in a state that allows it
 * (409), too many jobs (429, with {@link #retryAfterSeconds()}), the results directory unusable (503).
 */
public class JobException extends RuntimeException {

    private final int status;
    private final long retryAfterSeconds;

    public JobException(int status, String message) {
        this(status, message, 0);
    }

    public JobException(int status, String message, long retryAfterSeconds) {
        super(message);
        this.status = status;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public int status() {
        return status;
    }

    /** Seconds for the Retry-After header; 0: none. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
