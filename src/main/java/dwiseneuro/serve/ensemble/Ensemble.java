package dwiseneuro.serve.ensemble;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.ndarray.NDManager;
import dwiseneuro.serve.ServeConfig;
import io.quarkus.runtime.StartupEvent;

/**
 * The served ensemble: reads the manifest at startup, then loads and warms every member on every device
 * in the background, so that liveness answers while a large ensemble loads. Readiness is UP only when
 * all members are warm; any failure keeps it DOWN with a message naming the file.
 */
@ApplicationScoped
public class Ensemble {

    private static final Logger LOG = Logger.getLogger(Ensemble.class);

    /** FAILED: the ensemble could not be loaded; DEVICE_FAILED: it served until a device's CUDA context broke. */
    public enum State { LOADING, READY, FAILED, DEVICE_FAILED }

    private final ServeConfig config;
    private final ObjectMapper json;
    private final Event<EnsembleReady> ready;
    private final List<EnsembleReplica> replicas = new ArrayList<>();
    private volatile State state = State.LOADING;
    private volatile String problem = "loading";
    private volatile Manifest manifest;
    private volatile boolean closing;
    private Thread loader;

    public Ensemble(ServeConfig config, ObjectMapper json, Event<EnsembleReady> ready) {
        this.config = config;
        this.json = json;
        this.ready = ready;
    }

    void onStart(@Observes StartupEvent event) {
        Path folder = config.modelsDir().toAbsolutePath().normalize();
        loader = new Thread(() -> load(folder), "ensemble-loader");
        loader.setDaemon(true);
        loader.start();
    }

    private void load(Path folder) {
        long start = System.nanoTime();
        try {
            Manifest m = ManifestReader.read(folder, json);
            manifest = m;
            LOG.infof("Serving ensemble '%s' from %s: %d members, %d mice", m.name(), folder, m.members().size(), m.mice().size());
            for (Manifest.MemberEntry entry : m.members()) {
                ManifestReader.checkMemberFile(folder, entry, config.verifyChecksums());
            }
            Engine engine = PyTorchEngine.start(config.threads());
            // Thread-local in libtorch, and IValueUtils.runMethod does not apply DJL's graph_optimizer setting.
            JniUtils.setGraphExecutorOptimize(config.graphOptimizer());
            List<Device> devices = Devices.parse(config.devices(), engine);
            Devices.autoOnCpuWarning(config.devices(), devices, PyTorchEngine.nativeFlavor()).ifPresent(LOG::warn);
            Devices.tf32Warning(devices, System.getenv("NVIDIA_TF32_OVERRIDE"), System.getenv("DWISENEURO_TF32"))
                    .ifPresent(LOG::warn);
            for (Device device : devices) {
                PtNDManager manager = (PtNDManager) NDManager.newBaseManager(device, engine.getEngineName());
                List<Member> members = new ArrayList<>();
                EnsembleReplica replica = new EnsembleReplica(device, manager, members);
                replicas.add(replica);
                for (Manifest.MemberEntry entry : m.members()) {
                    stopIfClosing();
                    long t = System.nanoTime();
                    members.add(Member.load(folder, entry, device, manager));
                    LOG.infof("Loaded %s (%s form, computes in %s, float32 in and out) on %s in %.1f s", entry.file(),
                            entry.form() == null ? "plain" : entry.form(), entry.dataType(), device,
                            (System.nanoTime() - t) / 1e9);
                }
                stopIfClosing();
                long t = System.nanoTime();
                replica.warmUp(m, config.batching().maxBatch());
                LOG.infof("Warmed up %d members on %s with batches of %d windows in %.1f s",
                        members.size(), device, config.batching().maxBatch(), (System.nanoTime() - t) / 1e9);
            }
            // From here on the observer (the scheduler) owns the replicas and frees them after its workers stop.
            ready.fire(new EnsembleReady(m, List.copyOf(replicas)));
            replicas.clear();
            synchronized (this) {
                if (state == State.LOADING) { // a worker may already have reported a failed device
                    state = State.READY;
                    problem = null;
                }
            }
            LOG.infof("Ensemble ready in %.1f s", (System.nanoTime() - start) / 1e9);
        } catch (RuntimeException | LinkageError e) {
            problem = e.getMessage();
            state = State.FAILED;
            LOG.errorf(e, "Ensemble not served: %s", e.getMessage());
            close();
        }
    }

    /**
     * A device's CUDA context broke while serving (an illegal memory access, a device-side assert, a lost
     * GPU): nothing more can run on it in this process, so readiness goes DOWN naming the error, and the
     * API answers 503, until the service is restarted.
     */
    public synchronized void deviceFailed(String device, String error) {
        problem = "device " + device + " failed: " + error + " (the CUDA context is unusable; restart the service)";
        state = State.DEVICE_FAILED;
        LOG.errorf("Readiness DOWN: %s", problem);
    }

    private void stopIfClosing() {
        if (closing) {
            throw new EnsembleException("the service shut down while the ensemble was loading");
        }
    }

    public State state() {
        return state;
    }

    /** Why the ensemble is not ready (null when it is). */
    public String problem() {
        return problem;
    }

    /** The manifest, once read (empty while loading starts or when it could not be read). */
    public Optional<Manifest> manifest() {
        return Optional.ofNullable(manifest);
    }

    public Optional<Manifest.Mouse> mouse(String id) {
        return manifest().flatMap(m -> m.mice().stream().filter(mouse -> mouse.id().equals(id)).findFirst());
    }

    /**
     * Frees replicas that were never handed to the scheduler (loading failed or is still running). At
     * shutdown during loading it first waits for the loader to stop: freeing native memory under a
     * running forward call would crash the JVM.
     */
    @PreDestroy
    void close() {
        closing = true;
        Thread running = loader;
        if (running != null && running != Thread.currentThread() && running.isAlive()) {
            try {
                running.join(Duration.ofMinutes(1).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (running.isAlive()) {
                LOG.warn("The ensemble loader is still running; its native memory is left to the process exit");
                return;
            }
        }
        replicas.forEach(EnsembleReplica::close);
        replicas.clear();
    }
}
