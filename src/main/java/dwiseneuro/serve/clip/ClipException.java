package dwiseneuro.serve.clip;

/** A clip that decodes but cannot be predicted (shape, length or values). */
public class ClipException extends RuntimeException {
    private final int status;

    public ClipException(int status, String message) {
        super(message);
        this.status = status;
    }

    public ClipException(String message) {
        this(422, message);
    }

    /** The HTTP status this problem maps to (422, or 413 for a clip over the frame limit). */
    public int status() {
        return status;
    }
}
