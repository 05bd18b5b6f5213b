package dwiseneuro.serve.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Like dwiseneuro.serve.Readiness, but over plain HTTP to any base URI (also a packaged service started
 * by a test) and able to wait for a broken ensemble to settle DOWN. The ensemble loads in the background
 * after the application starts: tests that post clips wait
 * for /q/health/ready to be UP first (and tests of broken ensembles, for it to settle DOWN).
 */
public final class ServiceHealth {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private ServiceHealth() {
    }

    /** Waits until readiness is UP; fails with the last readiness body when it is not within {@code timeout}. */
    public static void awaitUp(URI base, Duration timeout) {
        String last = await(base, timeout, body -> body.status == 200);
        if (last != null) {
            fail("the service did not become ready within " + timeout + "; last /q/health/ready: " + last);
        }
    }

    /** The readiness body once the ensemble's state is no longer LOADING (or null after {@code timeout}). */
    public static Body awaitSettled(URI base, Duration timeout) {
        Body[] settled = new Body[1];
        await(base, timeout, body -> {
            if (!body.text.contains("\"LOADING\"")) {
                settled[0] = body;
                return true;
            }
            return false;
        });
        return settled[0];
    }

    /** Status and text of one readiness answer. */
    public record Body(int status, String text) {
    }

    public static Body get(URI base) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(base.resolve("/q/health/ready"))
                    .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return new Body(response.statusCode(), response.body());
        } catch (java.io.IOException e) {
            return new Body(-1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String await(URI base, Duration timeout, java.util.function.Predicate<Body> done) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Body body = null;
        while (System.nanoTime() < deadline) {
            body = get(base);
            if (done.test(body)) {
                return null;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return body == null ? "(no answer)" : body.status + " " + body.text;
    }
}
