package dwiseneuro.serve.batching;

import java.util.List;

/** A gradient was asked of an ensemble with members that do not export input_gradient (older exports). */
public class GradientsUnavailableException extends RuntimeException {

    private final List<String> members;

    public GradientsUnavailableException(List<String> members) {
        super("the served ensemble's member(s) " + String.join(", ", members) + " do not export input_gradient "
                + "(exported before gradients existed); re-export with `trainer/bin/trainer convert MODELS_DIR --out NEW_DIR`");
        this.members = List.copyOf(members);
    }

    /** The member files without the method. */
    public List<String> members() {
        return members;
    }
}
