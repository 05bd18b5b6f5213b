package dwiseneuro.serve.api;

import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;

/**
 * The answer of the router filters that refuse a request before JAX-RS sees it (API key, upload size,
 * queue admission): a problem+json with the given status and headers, or, where asked, the v2 protocol's
 * {"error": ...} (the filters run before v2.V2ErrorFormat could translate it).
 */
final class RouteProblem {

    private RouteProblem() {
    }

    /** Ends the response; the future completes when it is written. */
    static Future<Void> send(RoutingContext context, ObjectMapper json, int status, String title, String detail,
                             Map<String, String> headers, boolean v2ErrorFormat) {
        String body;
        try {
            body = v2ErrorFormat ? json.writeValueAsString(Map.of("error", detail))
                    : json.writeValueAsString(new Problem("about:blank", title, status, detail, context.request().path(), null));
        } catch (JsonProcessingException e) {
            context.fail(e);
            return Future.failedFuture(e);
        }
        var response = context.response().setStatusCode(status)
                .putHeader("Content-Type", v2ErrorFormat ? "application/json" : Problem.MEDIA_TYPE);
        headers.forEach(response::putHeader);
        return response.end(body);
    }
}
