package dwiseneuro.serve.ensemble;

/** An ensemble folder that cannot be served; the message names the file. */
public class EnsembleException extends RuntimeException {
    public EnsembleException(String message) {
        super(message);
    }

    public EnsembleException(String message, Throwable cause) {
        super(message, cause);
    }
}
