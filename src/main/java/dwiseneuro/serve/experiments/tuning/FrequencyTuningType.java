package dwiseneuro.serve.experiments.tuning;

import jakarta.inject.Singleton;

import dwiseneuro.serve.ServeConfig;
import dwiseneuro.serve.ensemble.Manifest;
import dwiseneuro.serve.experiments.Experiment;
import dwiseneuro.serve.experiments.spec.Checks;
import dwiseneuro.serve.experiments.spec.Directions;
import dwiseneuro.serve.experiments.spec.SpecType;
import dwiseneuro.serve.experiments.stimulus.Aperture;

/** {@code frequency_tuning}: a spatial x temporal frequency grid of drifting gratings. */
@Singleton
public class FrequencyTuningType extends SpecType<FrequencyTuningSpec> {

    public static final String NAME = "frequency_tuning";

    public FrequencyTuningType(ServeConfig config) {
        super(NAME, FrequencyTuningSpec.class, config);
    }

    @Override
    protected Experiment build(FrequencyTuningSpec spec, Manifest manifest, Manifest.Mouse mouse) {
        GratingSetup setup = GratingSetup.resolve(spec.fields(), manifest, mouse, maxFrames);
        double[] sfs = GratingSetup.spatialFrequencies("spatial_frequencies", spec.spatialFrequencies(),
                new double[] {0.01, 0.02, 0.04, 0.08, 0.12}, setup.protocol().display());
        double[] tfs = GratingSetup.temporalFrequencies("temporal_frequencies", spec.temporalFrequencies(),
                new double[] {0.5, 1, 2, 4}, setup.protocol().fps(), setup.protocol().plan());
        double[] directions = Directions.parse("directions", spec.directions(), 4, 1);
        Aperture aperture = spec.aperture() == null ? null : spec.aperture().resolve("aperture", setup.protocol().display(),
                Checks.positive("aperture.radius_deg", spec.aperture().radiusDeg(), 30));
        int[] plotted = Checks.plotNeurons(spec.plotNeurons(), mouse.neurons(), 16);
        return new FrequencyTuning(setup, DirectionTuningType.gratings(setup, sfs, tfs, directions, aperture), sfs, tfs,
                directions, aperture, plotted);
    }
}
