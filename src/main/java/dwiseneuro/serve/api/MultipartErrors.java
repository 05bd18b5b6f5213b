package dwiseneuro.serve.api;

import java.io.IOException;

import org.jboss.resteasy.reactive.server.core.multipart.FormData;
import org.jboss.resteasy.reactive.server.core.multipart.MultipartParser;

/**
 * Tells the errors that Quarkus REST's multipart parser raises for a malformed body (the client's
 * fault: 400/413) from real server faults, which it raises with the same generic exception types
 * (a temporary file that cannot be written is a RuntimeException too). Matched narrowly, by type,
 * message and the frame that threw, so that anything else stays a 500 with an incident id.
 */
final class MultipartErrors {

    private static final String PARSER_PACKAGE = "org.jboss.resteasy.reactive.server.core.multipart.";
    private static final String INPUT_STREAM = "org.jboss.resteasy.reactive.server.vertx.VertxInputStream";

    /**
     * A client fault found in the body, with its status and what to tell the client; {@code answered}
     * when the framework has already sent its own response (nothing more can be written).
     */
    record ClientFault(int status, String detail, boolean answered) {
        ClientFault(int status, String detail) {
            this(status, detail, false);
        }
    }

    private MultipartErrors() {
    }

    /** The client fault {@code error} stands for, or null when it is not one of the parser's. */
    static ClientFault classify(Throwable error) {
        if (error instanceof MultipartParser.MalformedMessageException) {
            return new ClientFault(400, "the multipart/form-data body is malformed: the headers of a part cannot be parsed");
        }
        StackTraceElement[] trace = error.getStackTrace();
        String thrower = trace.length == 0 ? "" : trace[0].getClassName();
        String message = String.valueOf(error.getMessage());
        if (error.getClass() == IOException.class && thrower.startsWith(PARSER_PACKAGE)
                && message.startsWith("Connection terminated parsing multipart request")) {
            return new ClientFault(400, "the multipart/form-data body ended before its closing boundary "
                    + "(a truncated body, or a boundary that differs from the one in the Content-Type header)");
        }
        if (error.getClass() == RuntimeException.class && thrower.equals(FormData.class.getName())
                && message.startsWith("Param limit")) {
            return new ClientFault(400, "the multipart/form-data body has too many parts (" + message
                    + "); send video, behavior and pupil_center");
        }
        if (error.getClass() == IOException.class && thrower.startsWith(INPUT_STREAM)
                && message.startsWith("Request too large")) {
            // The framework has already answered 413 to a body without Content-Length that grew too large.
            return new ClientFault(413, "the request body is larger than this service accepts", true);
        }
        return null;
    }
}
