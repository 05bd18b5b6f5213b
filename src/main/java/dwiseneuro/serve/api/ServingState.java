package dwiseneuro.serve.api;

import java.nio.file.Path;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import dwiseneuro.serve.ServeConfig;
import dwiseneuro.serve.batching.InferenceScheduler;
import dwiseneuro.serve.ensemble.Ensemble;
import dwiseneuro.serve.ensemble.Manifest;

/** Whether the API may take predictions now, and the 503 both API versions answer when it may not. */
@ApplicationScoped
public class ServingState {

    private final Ensemble ensemble;
    private final InferenceScheduler scheduler;
    private final Path modelsDir;

    public ServingState(Ensemble ensemble, InferenceScheduler scheduler, ServeConfig config) {
        this.ensemble = ensemble;
        this.scheduler = scheduler;
        this.modelsDir = config.modelsDir();
    }

    public boolean ready() {
        return ensemble.state() == Ensemble.State.READY && scheduler.accepting();
    }

    /** The manifest of a ready ensemble, else a 503 saying why (member files by name: /q/health/ready has the paths). */
    public Manifest readyManifest() {
        if (!ready()) {
            String why = switch (ensemble.state()) {
                case FAILED -> "the ensemble failed to load: " + withoutModelsDir(String.valueOf(ensemble.problem()));
                case DEVICE_FAILED -> withoutModelsDir(String.valueOf(ensemble.problem()));
                case LOADING -> "the ensemble is still loading";
                default -> "the service is shutting down";
            };
            throw new ProblemException(503, why, Map.of("Retry-After", "10"));
        }
        return ensemble.manifest().orElseThrow();
    }

    /** Mouse {@code id} of the ensemble, else a 404 that says where the mice are listed. */
    public Manifest.Mouse mouse(String id) {
        return ensemble.mouse(id).orElseThrow(() -> new ProblemException(404,
                "unknown mouse '" + id + "'; GET /v1/mice lists the mice of this ensemble"));
    }

    private String withoutModelsDir(String problem) {
        String relative = problem;
        for (Path dir : new Path[] {modelsDir.toAbsolutePath().normalize(), modelsDir}) {
            relative = relative.replace(dir + "/", "");
        }
        return relative;
    }
}
