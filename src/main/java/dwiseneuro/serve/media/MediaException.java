package dwiseneuro.serve.media;

/**
 * An upload that cannot be decoded; the message says what is wrong in terms the client can act on.
 * The status is 400 unless the upload is refused for its size (413).
 */
public class MediaException extends RuntimeException {
    private final int status;

    public MediaException(String message) {
        this(400, message);
    }

    public MediaException(int status, String message) {
        super(message);
        this.status = status;
    }

    /** The HTTP status this problem maps to: 400, or 413 for an array or video over the limits. */
    public int status() {
        return status;
    }
}
