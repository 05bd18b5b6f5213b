package dwiseneuro.serve.batching;

/** The scheduler takes no new clips: it is starting or shutting down, or its device failed (503). */
public class NotAcceptingException extends RuntimeException {
    public NotAcceptingException(String message) {
        super(message);
    }
}
