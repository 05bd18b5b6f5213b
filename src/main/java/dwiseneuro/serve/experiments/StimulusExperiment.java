package dwiseneuro.serve.experiments;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import dwiseneuro.serve.experiments.stimulus.StimulusFiles;
import dwiseneuro.serve.experiments.stimulus.StimulusVideo;

/**
 * An experiment that shows a fixed list of clips, rendered deterministically from its spec: each clip can
 * be downloaded ({@link StimulusDownloads}) as the exact frames the model sees, named
 * {@code <prefix>_<index>} in the order shown, and the result lists every clip's parameters under
 * {@code stimuli}.
 */
public abstract class StimulusExperiment implements Experiment, StimulusDownloads {

    /** Number of clips. */
    protected abstract int clips();

    /** Clip {@code index}'s parameters, e.g. {@code {"direction": 90.0, "spatial_frequency": 0.04}}. */
    protected abstract Map<String, Object> condition(int index);

    /** Clip {@code index}'s video: whole raw pixel values 0..255, rows x columns x frames. */
    protected abstract StimulusVideo video(int index);

    /** The clips' name prefix, e.g. {@code trial} or {@code noise}. */
    protected abstract String prefix();

    protected abstract int fps();

    protected String name(int index) {
        return String.format("%s_%03d", prefix(), index);
    }

    @Override
    public List<String> stimulusNames() {
        return IntStream.range(0, clips()).mapToObj(this::name).toList();
    }

    @Override
    public byte[] npy(String name) {
        return StimulusFiles.npy(video(index(name)));
    }

    @Override
    public byte[] mp4(String name) {
        return StimulusFiles.mp4(video(index(name)), fps());
    }

    private int index(String name) {
        int index = stimulusNames().indexOf(name);
        if (index < 0) {
            throw new IllegalArgumentException("no stimulus named " + name);
        }
        return index;
    }

    /** Every clip's name and parameters, for the result. */
    protected List<Map<String, Object>> stimulusListing() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < clips(); i++) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("name", name(i));
            entry.putAll(condition(i));
            out.add(entry);
        }
        return out;
    }
}
