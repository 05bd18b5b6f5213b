package dwiseneuro.serve.media;

/** An upload that cannot be decoded; the message says what is wrong in terms the client can act on. */
public class MediaException extends RuntimeException {
    public MediaException(String message) {
        super(message);
    }
}
