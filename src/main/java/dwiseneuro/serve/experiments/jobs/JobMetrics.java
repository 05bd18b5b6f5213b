package dwiseneuro.serve.experiments.jobs;

import java.time.Duration;
import java.util.Collection;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The jobs' metrics (names are a contract, see k8s/ dashboards): dwiseneuro_experiment_jobs{state} (jobs
 * known, by state) and dwiseneuro_experiment_duration_seconds{type,state} (running time of finished jobs).
 * Windows by priority are the batching package's dwiseneuro_windows_scheduled_total{priority}.
 */
final class JobMetrics {

    private static final Duration[] BUCKETS = {Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofSeconds(30),
        Duration.ofMinutes(1), Duration.ofMinutes(5), Duration.ofMinutes(15), Duration.ofHours(1), Duration.ofHours(4),
        Duration.ofHours(12)};

    private final MeterRegistry registry;

    JobMetrics(MeterRegistry registry, Supplier<Collection<Job>> jobs, Collection<String> types) {
        this.registry = registry;
        for (JobState state : JobState.values()) {
            Gauge.builder("dwiseneuro.experiment.jobs", () -> jobs.get().stream().filter(j -> j.state() == state).count())
                    .description("Experiment jobs known to the service (results directory included), by state")
                    .tag("state", state.tag())
                    .register(registry);
        }
        for (String type : types) {
            timer(type, JobState.DONE); // at zero from the start, so that rate() over it works before the first job
        }
    }

    void finished(Job job) {
        JobState state = job.state();
        timer(job.type, state).record(Duration.ofNanos((long) (job.runningSeconds() * 1e9)));
    }

    private Timer timer(String type, JobState state) {
        return Timer.builder("dwiseneuro.experiment.duration")
                .description("Running time of finished experiment jobs, by type and final state")
                .tags("type", type, "state", state.tag())
                .serviceLevelObjectives(BUCKETS)
                .register(registry);
    }
}
