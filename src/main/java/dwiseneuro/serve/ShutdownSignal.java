package dwiseneuro.serve;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.StartupEvent;
import sun.misc.Signal;

/**
 * SIGTERM (what Kubernetes and Docker send to stop a container) starts the same graceful shutdown as
 * before: in-flight requests finish and the queue drains, then the process exits with status 0
 * instead of the JVM's 143, so that an orderly stop is not reported as a failure.
 * Only in a normal (packaged) run: tests and dev mode keep the JVM's default handling.
 */
@ApplicationScoped
public class ShutdownSignal {

    private static final Logger LOG = Logger.getLogger(ShutdownSignal.class);

    void install(@Observes StartupEvent event) {
        if (LaunchMode.current() != LaunchMode.NORMAL) {
            return;
        }
        try {
            Signal.handle(new Signal("TERM"), signal -> {
                LOG.info("SIGTERM: finishing in-flight requests and queued windows, then exiting");
                Quarkus.asyncExit(0);
            });
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            LOG.warnf("SIGTERM handler not installed (%s); the JVM's default applies", e.getMessage());
        }
    }
}
