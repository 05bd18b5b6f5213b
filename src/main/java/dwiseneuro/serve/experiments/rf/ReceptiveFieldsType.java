package dwiseneuro.serve.experiments.rf;

import jakarta.inject.Singleton;

import dwiseneuro.serve.ServeConfig;
import dwiseneuro.serve.ensemble.Manifest;
import dwiseneuro.serve.experiments.Experiment;
import dwiseneuro.serve.experiments.SpecException;
import dwiseneuro.serve.experiments.protocol.Behavior;
import dwiseneuro.serve.experiments.protocol.Luminance;
import dwiseneuro.serve.experiments.protocol.Protocol;
import dwiseneuro.serve.experiments.spec.Checks;
import dwiseneuro.serve.experiments.spec.SpecType;
import dwiseneuro.serve.experiments.stimulus.Noise;

/** {@code receptive_fields}: noise mapping with a 2-D Gaussian fit per neuron. */
@Singleton
public class ReceptiveFieldsType extends SpecType<ReceptiveFieldsSpec> {

    public static final String NAME = "receptive_fields";
    /** Most noise frames per job: 20 minutes at 30 fps. */
    static final int MAX_FRAMES = 36_000;

    public ReceptiveFieldsType(ServeConfig config) {
        super(NAME, ReceptiveFieldsSpec.class, config);
    }

    @Override
    protected Experiment build(ReceptiveFieldsSpec spec, Manifest manifest, Manifest.Mouse mouse) {
        Luminance luminance = Luminance.resolve(spec.meanLuminance(), mouse);
        double contrast = spec.contrast() == null ? 1.0 : spec.contrast();
        luminance.checkContrast("contrast", contrast);
        Protocol protocol = Protocol.of(manifest, mouse, luminance, Behavior.resolve(spec.behavior(), spec.pupilCenter(), mouse));
        int blockFrames = Checks.atLeast("block_frames", spec.blockFrames(), 6, 1);
        int frames = Checks.atLeast("frames", spec.frames(), 3000, blockFrames);
        if (frames > MAX_FRAMES) {
            throw new SpecException("frames", "at most " + MAX_FRAMES + " noise frames per job, got " + frames);
        }
        int check = Checks.atLeast("check_px", spec.checkPx(), 2, 1);
        if (check > Math.min(protocol.display().width(), protocol.display().height()) / 2) {
            throw new SpecException("check_px", "checks of " + check + " pixels leave too few on the frame to map a field");
        }
        int latency = Checks.atLeast("latency_frames", spec.latencyFrames(), 0, 0);
        if (latency > 60) {
            throw new SpecException("latency_frames", "must be at most 60 frames (2 s), got " + latency);
        }
        int clipFrames = Checks.atLeast("clip_frames", spec.clipFrames(), 600, blockFrames);
        if (clipFrames + latency > maxFrames) {
            throw new SpecException("clip_frames", "clips of " + clipFrames + " noise frames plus " + latency
                    + " latency frames exceed the clip limit of " + maxFrames + " frames");
        }
        long seed = spec.seed() == null ? 0 : spec.seed();
        int height = protocol.display().height();
        int width = protocol.display().width();
        String kind = spec.noise() == null ? "white" : spec.noise();
        Noise noise = switch (kind) {
            case "white" -> {
                if (spec.spots() != null) {
                    throw new SpecException("spots", "only sparse noise has spots");
                }
                yield new Noise.White(height, width, check, seed);
            }
            case "sparse" -> new Noise.Sparse(height, width, check,
                    Checks.atLeast("spots", spec.spots(), 4, 1), seed);
            default -> throw new SpecException("noise", "must be \"white\" or \"sparse\", got \"" + kind + "\"");
        };
        int blocks = (frames + blockFrames - 1) / blockFrames;
        int[] plotted = Checks.plotNeurons(spec.plotNeurons(), mouse.neurons(), 64);
        return new ReceptiveFieldMapping(protocol, noise, kind, blocks, blockFrames, clipFrames / blockFrames, latency,
                contrast, seed, plotted);
    }
}
