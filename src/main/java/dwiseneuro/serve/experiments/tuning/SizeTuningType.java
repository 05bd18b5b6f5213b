package dwiseneuro.serve.experiments.tuning;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.inject.Singleton;

import dwiseneuro.serve.ServeConfig;
import dwiseneuro.serve.ensemble.Manifest;
import dwiseneuro.serve.experiments.Experiment;
import dwiseneuro.serve.experiments.SpecException;
import dwiseneuro.serve.experiments.spec.ApertureSpec;
import dwiseneuro.serve.experiments.spec.Checks;
import dwiseneuro.serve.experiments.spec.Directions;
import dwiseneuro.serve.experiments.spec.SpecType;
import dwiseneuro.serve.experiments.stimulus.Aperture;
import dwiseneuro.serve.experiments.stimulus.Grating;
import dwiseneuro.serve.experiments.stimulus.Surround;

/** {@code size_tuning}: gratings in apertures of increasing radius at one centre. */
@Singleton
public class SizeTuningType extends SpecType<SizeTuningSpec> {

    public static final String NAME = "size_tuning";

    public SizeTuningType(ServeConfig config) {
        super(NAME, SizeTuningSpec.class, config);
    }

    @Override
    protected Experiment build(SizeTuningSpec spec, Manifest manifest, Manifest.Mouse mouse) {
        GratingSetup setup = GratingSetup.resolve(spec.fields(), manifest, mouse, maxFrames);
        double[] centre = ApertureSpec.centre("", spec.centerDeg(), spec.centerPx(), setup.protocol().display());
        double[] radii = Checks.values("radii_deg", spec.radiiDeg(), new double[] {2.5, 5, 10, 15, 20, 30, 45, 60, 90},
                0.1, 180, "degrees");
        double[] directions = Directions.parse("directions", spec.directions(), 4, 1);
        double sf = GratingSetup.spatialFrequencies("spatial_frequency",
                spec.spatialFrequency() == null ? null : List.of(spec.spatialFrequency()), new double[] {0.04},
                setup.protocol().display())[0];
        double tf = GratingSetup.temporalFrequencies("temporal_frequency",
                spec.temporalFrequency() == null ? null : List.of(spec.temporalFrequency()), new double[] {2},
                setup.protocol().fps(), setup.protocol().plan())[0];
        Surround surround = surround(spec.surround());
        int[] plotted = Checks.plotNeurons(spec.plotNeurons(), mouse.neurons(), 16);
        List<GratingCondition> conditions = new ArrayList<>();
        for (double radius : radii) {
            for (double direction : directions) {
                Map<String, Object> parameters = new LinkedHashMap<>();
                parameters.put("radius_deg", radius);
                parameters.put("direction", direction);
                parameters.put("center_deg", centre);
                if (surround != null) {
                    parameters.put("surround", surround.orientation().name().toLowerCase(java.util.Locale.ROOT));
                }
                conditions.add(new GratingCondition(new Grating(direction, sf, tf, setup.contrast(), setup.phase()),
                        new Aperture(centre[0], centre[1], radius), surround, parameters));
            }
        }
        return new SizeTuning(setup, conditions, centre, radii, directions, sf, tf, surround, plotted);
    }

    private static Surround surround(SizeTuningSpec.SurroundSpec spec) {
        if (spec == null) {
            return null;
        }
        Surround.Orientation orientation = switch (spec.orientation() == null ? "" : spec.orientation()) {
            case "iso" -> Surround.Orientation.ISO;
            case "cross" -> Surround.Orientation.CROSS;
            default -> throw new SpecException("surround.orientation", "must be \"iso\" or \"cross\", got " + spec.orientation());
        };
        Double outer = spec.outerRadiusDeg() == null ? null : Checks.positive("surround.outer_radius_deg", spec.outerRadiusDeg(), 0);
        return new Surround(orientation, outer);
    }
}
