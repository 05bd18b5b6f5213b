package dwiseneuro.serve.ensemble;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Readiness: UP only when every member of the ensemble is loaded and warm on every device. */
@Readiness
@ApplicationScoped
public class EnsembleReadiness implements HealthCheck {

    private final Ensemble ensemble;

    public EnsembleReadiness(Ensemble ensemble) {
        this.ensemble = ensemble;
    }

    @Override
    public HealthCheckResponse call() {
        var builder = HealthCheckResponse.named("ensemble").status(ensemble.state() == Ensemble.State.READY)
                .withData("state", ensemble.state().name());
        ensemble.manifest().ifPresent(m -> builder.withData("name", m.name()).withData("members", m.members().size()));
        if (ensemble.problem() != null) {
            builder.withData("problem", ensemble.problem());
        }
        return builder.build();
    }
}
