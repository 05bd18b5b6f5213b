package dwiseneuro.serve.batching;

/** The queue cannot take a clip's windows now; the client should retry after {@link #retryAfterSeconds()}. */
public class QueueFullException extends RuntimeException {
    private final long retryAfterSeconds;

    public QueueFullException(String message, long retryAfterSeconds) {
        super(message);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
