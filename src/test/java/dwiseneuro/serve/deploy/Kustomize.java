package dwiseneuro.serve.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Renders the kustomizations of k8s/ with kubectl's built-in kustomize (v5). kubectl is taken from
 * $KUBECTL, else k8s/tests/.cache/bin/kubectl (installed by k8s/tests/run.sh when the machine has
 * none), else the PATH.
 */
final class Kustomize {

    /** Every kustomization a user applies: the service overlays and their training kustomizations. */
    static final List<String> OVERLAYS = List.of("gke", "eks", "aks", "cpu",
            "gke/training", "eks/training", "aks/training", "cpu/training");

    static final Path ROOT = findRoot();
    static final Path K8S = ROOT.resolve("k8s");

    private static final Map<String, String> CACHE = new ConcurrentHashMap<>();

    private Kustomize() {
    }

    /** The rendered YAML of k8s/overlays/NAME. */
    static String render(String overlay) {
        return CACHE.computeIfAbsent(overlay, o -> run(kubectl(), "kustomize", K8S.resolve("overlays").resolve(o).toString()));
    }

    static String kubectl() {
        String env = System.getenv("KUBECTL");
        if (env != null && !env.isBlank()) {
            return env;
        }
        Path cached = K8S.resolve("tests/.cache/bin/kubectl");
        if (Files.isExecutable(cached)) {
            return cached.toString();
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path p = Path.of(dir, "kubectl");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        throw new IllegalStateException("kubectl not found: run k8s/tests/run.sh once (it installs one), or set KUBECTL");
    }

    static String run(String... command) {
        try {
            Path err = Files.createTempFile("kubectl", ".err");
            Process p = new ProcessBuilder(command).redirectError(err.toFile()).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("timed out: " + String.join(" ", command));
            }
            String stderr = Files.readString(err);
            Files.delete(err);
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed (" + p.exitValue() + "):\n" + stderr);
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command[0], e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Path findRoot() {
        Path dir = Path.of("").toAbsolutePath();
        List<Path> tried = new ArrayList<>();
        for (Path p = dir; p != null; p = p.getParent()) {
            tried.add(p);
            if (Files.isDirectory(p.resolve("k8s/overlays")) && Files.exists(p.resolve("pom.xml"))) {
                return p;
            }
        }
        throw new IllegalStateException("no k8s/overlays above " + tried);
    }
}
