package dwiseneuro.serve.batching;

/** A batch failed on the device; the requests in it get 500 with {@link #incident()} to find in the log. */
public class BatchFailedException extends RuntimeException {
    private final String incident;

    public BatchFailedException(String incident, Throwable cause) {
        super("inference failed (incident " + incident + ")", cause);
        this.incident = incident;
    }

    public String incident() {
        return incident;
    }
}
