package dwiseneuro.serve.ensemble;

import java.util.List;

/** CDI event: every member is loaded and warm on every device. */
public record EnsembleReady(Manifest manifest, List<EnsembleReplica> replicas) {
}
