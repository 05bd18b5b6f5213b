package dwiseneuro.serve.experiments.stimulus;

/**
 * A stimulus movie in the model's raw pixel units (0..255) at the ensemble's frame rate, rendered one
 * frame at a time so that long stimuli never have to exist whole.
 */
public interface Stimulus {

    int frames();

    /** Writes frame {@code t} (rows x columns, C order) into {@code out}. */
    void frame(int t, float[] out);
}
