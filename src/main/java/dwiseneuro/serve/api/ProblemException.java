package dwiseneuro.serve.api;

import java.util.Map;

/** Ends a request with a problem+json response of the given status. */
public class ProblemException extends RuntimeException {
    private final int status;
    private final Map<String, String> headers;

    public ProblemException(int status, String detail) {
        this(status, detail, Map.of());
    }

    public ProblemException(int status, String detail, Map<String, String> headers) {
        super(detail);
        this.status = status;
        this.headers = headers;
    }

    public int status() {
        return status;
    }

    public Map<String, String> headers() {
        return headers;
    }
}
