package dwiseneuro.serve.api;

import java.util.Map;
import java.util.UUID;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import dwiseneuro.serve.batching.BatchFailedException;
import dwiseneuro.serve.batching.DeadlineExceededException;
import dwiseneuro.serve.batching.NotAcceptingException;
import dwiseneuro.serve.batching.QueueFullException;
import dwiseneuro.serve.clip.ClipException;
import dwiseneuro.serve.experiments.SpecException;
import dwiseneuro.serve.experiments.jobs.JobException;
import dwiseneuro.serve.media.MediaException;

/**
 * Every error leaves as application/problem+json: 4xx for what the client can fix, 5xx (with an
 * incident id that is also in the log) only for the server's own faults. Under /v2/ the protocol's
 * {"error": ...} replaces it (v2.V2ErrorFormat).
 */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response problem(ProblemException e, UriInfo uri) {
        return respond(e.status(), e.getMessage(), uri, null, e.headers());
    }

    @ServerExceptionMapper
    public Response media(MediaException e, UriInfo uri) {
        return respond(e.status(), e.getMessage(), uri, null, Map.of());
    }

    @ServerExceptionMapper
    public Response clip(ClipException e, UriInfo uri) {
        return respond(e.status(), e.getMessage(), uri, null, Map.of());
    }

    @ServerExceptionMapper
    public Response spec(SpecException e, UriInfo uri) {
        return respond(422, e.getMessage(), uri, null, e.field(), Map.of());
    }

    @ServerExceptionMapper
    public Response job(JobException e, UriInfo uri) {
        return respond(e.status(), e.getMessage(), uri, null,
                e.retryAfterSeconds() > 0 ? Map.of("Retry-After", Long.toString(e.retryAfterSeconds())) : Map.of());
    }

    @ServerExceptionMapper
    public Response queueFull(QueueFullException e, UriInfo uri) {
        return respond(429, e.getMessage(), uri, null, Map.of("Retry-After", Long.toString(e.retryAfterSeconds())));
    }

    @ServerExceptionMapper
    public Response notAccepting(NotAcceptingException e, UriInfo uri) {
        return respond(503, e.getMessage(), uri, null, Map.of("Retry-After", "10"));
    }

    @ServerExceptionMapper
    public Response deadline(DeadlineExceededException e, UriInfo uri) {
        return respond(504, e.getMessage(), uri, null, Map.of());
    }

    @ServerExceptionMapper
    public Response batchFailed(BatchFailedException e, UriInfo uri) {
        return respond(500, "inference failed on the device; quote the incident id when reporting it", uri,
                e.incident(), Map.of());
    }

    /** Framework errors (404 route, 405, 406, 415, ...) keep their status but speak problem+json. */
    @ServerExceptionMapper
    public Response web(WebApplicationException e, UriInfo uri, HttpHeaders headers) {
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            return unexpected(e, uri);
        }
        String detail = switch (status) {
            case 415 -> "Content-Type " + quoted(headers, HttpHeaders.CONTENT_TYPE)
                    + " is not accepted here; /q/openapi lists what each endpoint consumes";
            case 406 -> "no representation matches Accept " + quoted(headers, HttpHeaders.ACCEPT)
                    + "; /q/openapi lists what each endpoint produces";
            default -> e.getMessage();
        };
        return respond(status, detail, uri, null, Map.of());
    }

    private static String quoted(HttpHeaders headers, String name) {
        String header = headers == null ? null : headers.getHeaderString(name);
        return header == null ? "(none)" : "'" + header + "'";
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e, UriInfo uri) {
        MultipartErrors.ClientFault fault = MultipartErrors.classify(e);
        if (fault != null && fault.answered()) {
            return Response.status(fault.status()).build(); // the framework's 413 is already on the wire
        }
        if (fault != null) {
            return respond(fault.status(), fault.detail(), uri, null, Map.of());
        }
        String incident = UUID.randomUUID().toString();
        LOG.errorf(e, "Unexpected error on %s (incident %s)", uri.getPath(), incident);
        return respond(500, "internal error; quote the incident id when reporting it", uri, incident, Map.of());
    }

    static Response respond(int status, String detail, UriInfo uri, String incident, Map<String, String> headers) {
        return respond(status, detail, uri, incident, null, headers);
    }

    private static Response respond(int status, String detail, UriInfo uri, String incident, String field,
                                    Map<String, String> headers) {
        Response.Status known = Response.Status.fromStatusCode(status);
        String title = known != null ? known.getReasonPhrase() : titleOf(status);
        Response.ResponseBuilder builder = Response.status(status)
                .type(Problem.MEDIA_TYPE)
                .entity(new Problem("about:blank", title, status, detail, uri == null ? null : uri.getPath(), incident, field));
        headers.forEach(builder::header);
        return builder.build();
    }

    private static String titleOf(int status) {
        return switch (status) {
            case 422 -> "Unprocessable Content";
            case 429 -> "Too Many Requests";
            default -> "Error";
        };
    }
}
