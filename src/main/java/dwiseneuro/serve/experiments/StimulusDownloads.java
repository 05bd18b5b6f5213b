package dwiseneuro.serve.experiments;

import java.util.List;

/**
 * An {@link Experiment} whose stimuli can be downloaded, so that a rig can show the mouse the very frames
 * the model saw. The jobs API serves them at {@code /v1/experiments/{job}/stimuli/{name}.npy} and
 * {@code .mp4}; it may rebuild the experiment from its spec to do so (after a restart, say), so the
 * stimuli must be deterministic (seeded) functions of the spec, the manifest and the mouse.
 */
public interface StimulusDownloads {

    /** The stimulus clips in the order they are shown; names are file-name safe (letters, digits, '_', '-'). */
    List<String> stimulusNames();

    /** Stimulus {@code name} as a float32 .npy of shape (height, width, frames), raw 0..255 pixel values. */
    byte[] npy(String name);

    /** Stimulus {@code name} as a lossless gray .mp4 (a PNG per frame) at the manifest's frame rate, the frame's own size. */
    byte[] mp4(String name);
}
