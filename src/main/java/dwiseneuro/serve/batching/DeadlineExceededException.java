package dwiseneuro.serve.batching;

/** The request's deadline passed before all of its windows ran; what was left never ran. */
public class DeadlineExceededException extends RuntimeException {
    public DeadlineExceededException(String message) {
        super(message);
    }
}
