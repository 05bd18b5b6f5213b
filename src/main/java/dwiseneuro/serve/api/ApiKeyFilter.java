package dwiseneuro.serve.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import dwiseneuro.serve.ServeConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Optional API-key authentication (dwiseneuro.auth.api-keys; off when no key is configured). Every
 * path outside the non-application root (/q/: health, metrics, OpenAPI) needs one of the keys, as
 * "Authorization: Bearer KEY" or "X-API-Key: KEY"; anything else gets 401 problem+json with
 * WWW-Authenticate before its body is read. Keys are compared through their SHA-256 digests with
 * MessageDigest.isEqual, against every configured key, so the time taken does not tell how much of a
 * guess was right. Runs first among the routes, before the upload size check.
 */
@ApplicationScoped
public class ApiKeyFilter {

    private static final Logger LOG = Logger.getLogger(ApiKeyFilter.class);
    static final String CHALLENGE = "Bearer realm=\"dwiseneuro\"";

    private final List<byte[]> keyDigests;
    private final String openPrefix;
    private final ObjectMapper json;
    private final Counter refused;

    public ApiKeyFilter(ServeConfig config, ObjectMapper json, MeterRegistry registry,
                        @ConfigProperty(name = "quarkus.http.non-application-root-path", defaultValue = "q") String nonApplicationRoot) {
        List<String> keys = config.auth().apiKeys().orElse(List.of()).stream().map(String::trim).filter(k -> !k.isEmpty()).toList();
        this.keyDigests = keys.stream().map(ApiKeyFilter::digest).toList();
        String root = nonApplicationRoot.replaceAll("^/+|/+$", "");
        this.openPrefix = "/" + root;
        this.json = json;
        this.refused = Counter.builder("dwiseneuro.rejected").description("Requests refused, by reason")
                .tag("reason", "unauthorized").register(registry);
        if (!keys.isEmpty()) {
            LOG.infof("API-key authentication on: %d key(s); %s/ stays open", keys.size(), openPrefix);
            if (keys.stream().anyMatch(k -> k.length() < 16)) {
                LOG.warn("An API key is shorter than 16 characters: use long random keys (e.g. openssl rand -hex 32)");
            }
        }
    }

    void install(@Observes Router router) {
        if (!keyDigests.isEmpty()) {
            router.route().order(Integer.MIN_VALUE).handler(this::authenticate);
        }
    }

    void authenticate(RoutingContext context) {
        // Both the path as sent and as routed must be under /q/ to be open: /q/../v1/mice is not.
        if (isOpen(context.request().path()) && isOpen(context.normalizedPath())) {
            context.next();
            return;
        }
        String key = presentedKey(context);
        if (key != null && accepted(key)) {
            context.next();
            return;
        }
        refused.increment();
        String detail = key == null
                ? "this service needs an API key: send it as 'Authorization: Bearer <key>' or 'X-API-Key: <key>'"
                : "the API key is not valid";
        // Connection: close, since the body, if any, is not read.
        RouteProblem.send(context, json, 401, "Unauthorized", detail,
                Map.of("WWW-Authenticate", CHALLENGE, "Connection", "close"), false);
    }

    private boolean isOpen(String path) {
        return path != null && (path.equals(openPrefix) || path.startsWith(openPrefix + "/"));
    }

    private static String presentedKey(RoutingContext context) {
        String authorization = context.request().getHeader("Authorization");
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return authorization.substring(7).trim();
        }
        String header = context.request().getHeader("X-API-Key");
        return header == null ? null : header.trim();
    }

    /** Constant time in the key's content: every configured key is compared, digest against digest. */
    private boolean accepted(String key) {
        byte[] presented = digest(key);
        boolean match = false;
        for (byte[] expected : keyDigests) {
            match |= MessageDigest.isEqual(presented, expected);
        }
        return match;
    }

    private static byte[] digest(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
