package dwiseneuro.serve.experiments.tuning;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dwiseneuro.serve.experiments.ExperimentContext;
import dwiseneuro.serve.experiments.ExperimentResult;
import dwiseneuro.serve.experiments.StimulusExperiment;
import dwiseneuro.serve.experiments.analysis.ConditionResponses;
import dwiseneuro.serve.experiments.protocol.Protocol;
import dwiseneuro.serve.experiments.protocol.Timing;
import dwiseneuro.serve.experiments.protocol.Trials;
import dwiseneuro.serve.experiments.stimulus.GratingStimulus;
import dwiseneuro.serve.experiments.stimulus.Sequence;
import dwiseneuro.serve.experiments.stimulus.StimulusVideo;

/**
 * An experiment that shows one grating trial per condition (gray, grating, gray), measures each neuron's
 * response to each trial, and leaves the analysis of the neurons x conditions table to its subclass.
 */
abstract class GratingExperiment extends StimulusExperiment {

    /** Clips queued at once: enough to keep the devices busy, few enough to bound the memory held. */
    static final int IN_FLIGHT = 4;

    protected final Protocol protocol;
    protected final Timing timing;
    protected final List<GratingCondition> conditions;

    GratingExperiment(Protocol protocol, Timing timing, List<GratingCondition> conditions) {
        this.protocol = protocol;
        this.timing = timing;
        this.conditions = List.copyOf(conditions);
    }

    @Override
    public long totalWindows() {
        return conditions.size() * protocol.windows(timing.frames());
    }

    @Override
    protected int clips() {
        return conditions.size();
    }

    @Override
    protected String prefix() {
        return "trial";
    }

    @Override
    protected Map<String, Object> condition(int index) {
        return conditions.get(index).parameters();
    }

    @Override
    protected StimulusVideo video(int index) {
        GratingCondition c = conditions.get(index);
        double mean = protocol.luminance().mean();
        GratingStimulus grating = new GratingStimulus(protocol.display(), c.grating(), c.aperture(), c.surround(), mean,
                timing.stimulus(), protocol.fps());
        return protocol.render(Sequence.withGray(timing.grayBefore(), grating, timing.grayAfter(), mean));
    }

    @Override
    protected int fps() {
        return protocol.fps();
    }

    @Override
    public ExperimentResult run(ExperimentContext context) throws InterruptedException {
        int neurons = protocol.mouse().neurons();
        int count = conditions.size();
        context.log(type() + ": " + count + " trials of " + timing.frames() + " frames, " + totalWindows() + " windows");
        float[] responses = new float[neurons * count];
        double[] baseline = new double[neurons];
        Trials.run(context, count, i -> protocol.clip(video(i)), IN_FLIGHT, (i, clip) -> {
            float[] evoked = timing.evoked(clip, neurons);
            float[] gray = timing.baseline(clip, neurons);
            for (int n = 0; n < neurons; n++) {
                responses[n * count + i] = evoked[n];
                baseline[n] += gray[n];
            }
        });
        float[] meanBaseline = new float[neurons];
        for (int n = 0; n < neurons; n++) {
            meanBaseline[n] = (float) (baseline[n] / count);
        }
        context.log(type() + ": trials done, analysing");
        return analyse(new ConditionResponses(neurons, count, responses, meanBaseline));
    }

    protected abstract ExperimentResult analyse(ConditionResponses responses);

    /** What every grating result states: the protocol, the response measure and the stimulus. */
    protected Map<String, Object> header(Map<String, Object> stimulus) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("type", type());
        json.putAll(protocol.describe());
        json.put("stimulus", stimulus);
        json.put("response_measure", timing.describe(protocol.fps()));
        json.put("trials", conditions.size());
        json.put("windows", totalWindows());
        json.put("stimuli", stimulusListing());
        return json;
    }
}
