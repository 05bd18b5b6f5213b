package dwiseneuro.serve.experiments;

/** A bad experiment spec: the API answers 422 problem+json naming {@link #field()}. */
public class SpecException extends RuntimeException {

    private final String field;

    public SpecException(String field, String message) {
        super(field + ": " + message);
        this.field = field;
    }

    /** The spec field at fault, as a JSON path such as {@code directions} or {@code aperture.radius}. */
    public String field() {
        return field;
    }
}
