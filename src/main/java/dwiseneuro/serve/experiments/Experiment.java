package dwiseneuro.serve.experiments;

/**
 * One in-silico experiment, ready to run: built by its {@link ExperimentType} from a validated spec for
 * one mouse. It knows its cost up front (for progress and the per-job limit) and runs its stimuli
 * through the same device queues as interactive requests, at background priority.
 */
public interface Experiment {

    /** The spec's {@code type}, e.g. {@code direction_tuning}. */
    String type();

    /** Windows the run submits in all: the job's progress denominator and what the per-job limit counts. */
    long totalWindows();

    /** Runs the stimuli through {@code context} and analyses the responses. */
    ExperimentResult run(ExperimentContext context) throws InterruptedException;
}
