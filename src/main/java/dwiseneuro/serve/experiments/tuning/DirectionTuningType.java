package dwiseneuro.serve.experiments.tuning;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.inject.Singleton;

import dwiseneuro.serve.ServeConfig;
import dwiseneuro.serve.ensemble.Manifest;
import dwiseneuro.serve.experiments.Experiment;
import dwiseneuro.serve.experiments.spec.Checks;
import dwiseneuro.serve.experiments.spec.Directions;
import dwiseneuro.serve.experiments.spec.SpecType;
import dwiseneuro.serve.experiments.stimulus.Aperture;
import dwiseneuro.serve.experiments.stimulus.Grating;

/** {@code direction_tuning}: drifting gratings at N directions (and optionally several frequencies). */
@Singleton
public class DirectionTuningType extends SpecType<DirectionTuningSpec> {

    public static final String NAME = "direction_tuning";

    public DirectionTuningType(ServeConfig config) {
        super(NAME, DirectionTuningSpec.class, config);
    }

    @Override
    protected Experiment build(DirectionTuningSpec spec, Manifest manifest, Manifest.Mouse mouse) {
        GratingSetup setup = GratingSetup.resolve(spec.fields(), manifest, mouse, maxFrames);
        double[] directions = Directions.parse("directions", spec.directions(), 16, 4);
        double[] sfs = GratingSetup.spatialFrequencies("spatial_frequency", spec.spatialFrequency(), new double[] {0.04},
                setup.protocol().display());
        double[] tfs = GratingSetup.temporalFrequencies("temporal_frequency", spec.temporalFrequency(), new double[] {2},
                setup.protocol().fps(), setup.protocol().plan());
        Aperture aperture = spec.aperture() == null ? null : spec.aperture().resolve("aperture", setup.protocol().display(),
                Checks.positive("aperture.radius_deg", spec.aperture().radiusDeg(), 30));
        int[] plotted = Checks.plotNeurons(spec.plotNeurons(), mouse.neurons(), 16);
        return new DirectionTuning(setup, gratings(setup, sfs, tfs, directions, aperture), directions, sfs, tfs, aperture,
                plotted);
    }

    /**
     * One condition per (spatial frequency, temporal frequency, direction), directions varying fastest:
     * condition {@code (s * tfs + t) * directions + d}. Shared by frequency tuning.
     */
    static List<GratingCondition> gratings(GratingSetup setup, double[] sfs, double[] tfs, double[] directions,
                                           Aperture aperture) {
        List<GratingCondition> conditions = new ArrayList<>();
        for (double sf : sfs) {
            for (double tf : tfs) {
                for (double direction : directions) {
                    Map<String, Object> parameters = new LinkedHashMap<>();
                    parameters.put("direction", direction);
                    parameters.put("spatial_frequency", sf);
                    parameters.put("temporal_frequency", tf);
                    parameters.put("contrast", setup.contrast());
                    conditions.add(new GratingCondition(new Grating(direction, sf, tf, setup.contrast(), setup.phase()),
                            aperture, null, parameters));
                }
            }
        }
        return conditions;
    }
}
