package dwiseneuro.serve.experiments;

import java.util.Map;

import dwiseneuro.serve.experiments.stimulus.StimulusFiles;
import dwiseneuro.serve.experiments.stimulus.StimulusVideo;

/**
 * The clips an experiment shows, in the order it runs them: each one's condition (its parameters) and its
 * video, rendered deterministically from the spec, so that it can be downloaded as .npy or .mp4
 * ({@link StimulusFiles}) and shown on a rig, before, during or after the run.
 */
public interface ExperimentStimuli {

    /** Number of clips. */
    int count();

    /** Clip {@code index}'s parameters, e.g. {@code {"direction": 90.0, "spatial_frequency": 0.04}}. */
    Map<String, Object> condition(int index);

    /** Clip {@code index}'s video in raw pixel values (whole numbers 0..255), rows x columns x frames. */
    StimulusVideo video(int index);

    /** Frame rate of the videos (the ensemble's). */
    int fps();
}
