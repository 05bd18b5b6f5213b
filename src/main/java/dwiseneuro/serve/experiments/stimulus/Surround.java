package dwiseneuro.serve.experiments.stimulus;

/**
 * A grating around an aperture, out to {@code outerRadius} degrees from the aperture's centre (null:
 * the whole screen), iso-oriented (the centre's grating continued) or cross-oriented (turned by 90 deg).
 */
public record Surround(Orientation orientation, Double outerRadius) {

    public enum Orientation { ISO, CROSS }

    public Grating grating(Grating centre) {
        return orientation == Orientation.ISO ? centre : centre.orthogonal();
    }
}
