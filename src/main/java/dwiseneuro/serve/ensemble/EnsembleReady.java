package dwiseneuro.serve.ensemble;

import java.util.List;

/**
 * CDI event: every member is loaded and warm on every device. The observer takes ownership of the
 * replicas and must close them once nothing runs on them any more.
 */
public record EnsembleReady(Manifest manifest, List<EnsembleReplica> replicas) {
}
