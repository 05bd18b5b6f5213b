package dwiseneuro.serve.api;

import java.util.Map;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import com.fasterxml.jackson.databind.ObjectMapper;

import dwiseneuro.serve.batching.InferenceScheduler;
import dwiseneuro.serve.batching.QueueFullException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Refuses an inference request with 429 before its body is read when not even the smallest clip would
 * fit in the queue now. Without it, under overload every refused request was received, parsed and
 * decoded before its 429, and refusing cost as much CPU as serving (bench/results/soak-findings-*.md).
 * The unread body is drained, not cut off, so that HTTP/1.1 clients that send it whole still read the 429.
 * The exact check (with the clip's own size) stays in the scheduler's submit.
 */
@ApplicationScoped
public class QueueAdmissionFilter {

    private static final Pattern INFERENCE = Pattern.compile("/v1/mice/[^/]+/responses|/v2/models/[^/]+(/versions/[^/]+)?/infer");

    private final InferenceScheduler scheduler;
    private final ObjectMapper json;

    public QueueAdmissionFilter(InferenceScheduler scheduler, ObjectMapper json) {
        this.scheduler = scheduler;
        this.json = json;
    }

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE + 2).handler(this::admit); // after ApiKeyFilter, UploadLimitFilter
    }

    void admit(RoutingContext context) {
        HttpServerRequest request = context.request();
        if (request.method() != HttpMethod.POST || !INFERENCE.matcher(request.path()).matches()) {
            context.next();
            return;
        }
        QueueFullException refusal = scheduler.refusalBeforeBody().orElse(null);
        if (refusal == null) {
            context.next();
            return;
        }
        request.handler(ignored -> { });
        request.resume();
        RouteProblem.send(context, json, 429, "Too Many Requests", refusal.getMessage(),
                Map.of("Retry-After", Long.toString(refusal.retryAfterSeconds())), request.path().startsWith("/v2/"));
    }
}
