package dwiseneuro.serve.api;

import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import com.fasterxml.jackson.databind.ObjectMapper;

import dwiseneuro.serve.ServeConfig;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Refuses a body whose declared Content-Length is over dwiseneuro.limits.max-upload-bytes with a
 * problem+json 413 before any of it is read. (A chunked body without a length is stopped by
 * quarkus.http.limits.max-body-size, which answers a bare 413.)
 */
@ApplicationScoped
public class UploadLimitFilter {

    private final long limit;
    private final ObjectMapper json;

    public UploadLimitFilter(ServeConfig config, ObjectMapper json) {
        this.limit = config.limits().maxUploadBytes();
        this.json = json;
    }

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE + 1).handler(this::limit); // after ApiKeyFilter
    }

    void limit(RoutingContext context) {
        String length = context.request().getHeader("Content-Length");
        if (length != null) {
            long declared;
            try {
                declared = Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                declared = -1;
            }
            if (declared > limit) {
                RouteProblem.send(context, json, 413, "Content Too Large",
                                "the request body is " + declared + " bytes; this service accepts at most " + limit,
                                Map.of("Connection", "close"), false)
                        // The client may still be sending the body: do not read it, hang up.
                        .onComplete(done -> context.request().connection().close());
                return;
            }
        }
        context.next();
    }
}
