package dwiseneuro.serve.deploy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * One rendered overlay, every object parsed strictly: Kubernetes kinds and the Prometheus Operator's
 * with fabric8's models (StrictModel), KEDA's ScaledObject with KedaScaledObject.
 */
final class Rendered {

    static final String NAMESPACE = "dwiseneuro";

    private static final Map<String, Rendered> CACHE = new ConcurrentHashMap<>();

    final String overlay;
    final List<HasMetadata> objects = new ArrayList<>();
    final List<KedaScaledObject> scaledObjects = new ArrayList<>();

    private Rendered(String overlay) {
        this.overlay = overlay;
        List<String> errors = new ArrayList<>();
        for (ObjectNode doc : StrictModel.documents(Kustomize.render(overlay))) {
            try {
                if (doc.path("apiVersion").asText().startsWith("keda.sh/")) {
                    scaledObjects.add(KedaScaledObject.parse(doc));
                } else {
                    objects.add(StrictModel.parse(doc));
                }
            } catch (IllegalArgumentException e) {
                errors.add(e.getMessage());
            }
        }
        if (!errors.isEmpty()) {
            throw new AssertionError("k8s/overlays/" + overlay + " does not parse strictly:\n  " + String.join("\n  ", errors));
        }
    }

    static Rendered of(String overlay) {
        return CACHE.computeIfAbsent(overlay, Rendered::new);
    }

    <T extends HasMetadata> List<T> all(Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    <T extends HasMetadata> T one(Class<T> type, String name) {
        return find(type, name).orElseThrow(() -> new AssertionError(overlay + ": no " + type.getSimpleName() + " " + name));
    }

    <T extends HasMetadata> Optional<T> find(Class<T> type, String name) {
        return all(type).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst();
    }

    boolean gpu() {
        return !overlay.startsWith("cpu");
    }

    String cloud() {
        return overlay.contains("/") ? overlay.substring(0, overlay.indexOf('/')) : overlay;
    }

    boolean training() {
        return overlay.endsWith("/training");
    }
}
