package dwiseneuro.serve.experiments.rf;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import dwiseneuro.serve.experiments.ExperimentContext;
import dwiseneuro.serve.experiments.ExperimentResult;
import dwiseneuro.serve.experiments.ResultBuilder;
import dwiseneuro.serve.experiments.StimulusExperiment;
import dwiseneuro.serve.experiments.analysis.GaussianFit;
import dwiseneuro.serve.experiments.analysis.ResponseWeightedAverage;
import dwiseneuro.serve.experiments.display.DisplayGeometry;
import dwiseneuro.serve.experiments.plots.ReceptiveFieldMosaic;
import dwiseneuro.serve.experiments.protocol.Protocol;
import dwiseneuro.serve.experiments.protocol.Trials;
import dwiseneuro.serve.experiments.stimulus.Gray;
import dwiseneuro.serve.experiments.stimulus.Noise;
import dwiseneuro.serve.experiments.stimulus.NoiseStimulus;
import dwiseneuro.serve.experiments.stimulus.Sequence;
import dwiseneuro.serve.experiments.stimulus.StimulusVideo;

/**
 * Receptive-field mapping with noise. The noise (blocks of {@code blockFrames} frames) is cut into clips
 * of {@code blocksPerClip} blocks, each followed by {@code latency} gray frames so that its last block's
 * response lies inside it (and padded with gray to one model window when short). A block's response is
 * the mean over frames {@code [onset + latency, onset + latency + blockFrames)}; the maps are the
 * response-weighted averages of the noise ({@link ResponseWeightedAverage}), accumulated clip by clip;
 * a 2-D Gaussian ({@link GaussianFit}) is fitted to each map on the check grid.
 */
final class ReceptiveFieldMapping extends StimulusExperiment {

    /** Noise clips are long: two in flight keep a device busy and bound what is held. */
    private static final int IN_FLIGHT = 2;

    private final Protocol protocol;
    private final Noise noise;
    private final String kind;
    private final int blocks;
    private final int blockFrames;
    private final int blocksPerClip;
    private final int latency;
    private final double contrast;
    private final long seed;
    private final int[] plotted;

    ReceptiveFieldMapping(Protocol protocol, Noise noise, String kind, int blocks, int blockFrames, int blocksPerClip,
                          int latency, double contrast, long seed, int[] plotted) {
        this.protocol = protocol;
        this.noise = noise;
        this.kind = kind;
        this.blocks = blocks;
        this.blockFrames = blockFrames;
        this.blocksPerClip = blocksPerClip;
        this.latency = latency;
        this.contrast = contrast;
        this.seed = seed;
        this.plotted = plotted;
    }

    @Override
    public String type() {
        return ReceptiveFieldsType.NAME;
    }

    @Override
    public long totalWindows() {
        long windows = 0;
        for (int c = 0; c < clips(); c++) {
            windows += protocol.windows(clipFrames(c));
        }
        return windows;
    }

    @Override
    protected String prefix() {
        return "noise";
    }

    @Override
    protected int clips() {
        return (blocks + blocksPerClip - 1) / blocksPerClip;
    }

    private int blocksIn(int clip) {
        return Math.min(blocksPerClip, blocks - clip * blocksPerClip);
    }

    private int clipFrames(int clip) {
        return Math.max(protocol.plan().minLength(), blocksIn(clip) * blockFrames + latency);
    }

    @Override
    protected Map<String, Object> condition(int clip) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("noise", kind);
        out.put("seed", seed);
        out.put("first_block", (long) clip * blocksPerClip);
        out.put("blocks", blocksIn(clip));
        out.put("block_frames", blockFrames);
        out.put("frames", clipFrames(clip));
        return out;
    }

    @Override
    protected StimulusVideo video(int clip) {
        double mean = protocol.luminance().mean();
        int n = blocksIn(clip);
        NoiseStimulus movie = new NoiseStimulus(noise, (long) clip * blocksPerClip, n, blockFrames, mean, contrast);
        return protocol.render(new Sequence(List.of(movie, new Gray(mean, clipFrames(clip) - n * blockFrames))));
    }

    @Override
    protected int fps() {
        return protocol.fps();
    }

    @Override
    public ExperimentResult run(ExperimentContext context) throws InterruptedException {
        int neurons = protocol.mouse().neurons();
        int checks = noise.checksX() * noise.checksY();
        context.log(type() + ": " + blocks + " " + kind + " noise blocks of " + blockFrames + " frames in " + clips()
                + " clips, " + totalWindows() + " windows");
        ResponseWeightedAverage average = new ResponseWeightedAverage(neurons, checks);
        Trials.run(context, clips(), c -> protocol.clip(video(c)), IN_FLIGHT, (c, responses) -> {
            int n = blocksIn(c);
            int frames = clipFrames(c);
            float[] blockResponses = new float[neurons * n];
            for (int neuron = 0; neuron < neurons; neuron++) {
                for (int b = 0; b < n; b++) {
                    double sum = 0;
                    int from = b * blockFrames + latency;
                    for (int t = from; t < from + blockFrames; t++) {
                        sum += responses[neuron * frames + t];
                    }
                    blockResponses[neuron * n + b] = (float) (sum / blockFrames);
                }
            }
            float[] patterns = new float[n * checks];
            for (int b = 0; b < n; b++) {
                System.arraycopy(noise.checkPattern((long) c * blocksPerClip + b), 0, patterns, b * checks, checks);
            }
            average.add(blockResponses, patterns, n);
        });
        context.log(type() + ": noise done, fitting " + neurons + " receptive fields");
        float[] maps = average.finish();
        return analyse(neurons, checks, maps);
    }

    private ExperimentResult analyse(int neurons, int checks, float[] maps) {
        DisplayGeometry display = protocol.display();
        double[] xs = new double[checks];
        double[] ys = new double[checks];
        for (int k = 0; k < checks; k++) {
            double[] centre = noise.checkCentre(k);
            xs[k] = centre[0];
            ys[k] = centre[1];
        }
        GaussianFit[] fits = new GaussianFit[neurons];
        IntStream.range(0, neurons).parallel().forEach(n -> {
            float[] map = java.util.Arrays.copyOfRange(maps, n * checks, (n + 1) * checks);
            fits[n] = GaussianFit.fit(map, xs, ys, display.width(), display.height());
        });
        float[] centrePx = new float[neurons * 2];
        float[] centreDeg = new float[neurons * 2];
        float[] sigmaPx = new float[neurons * 2];
        float[] sigmaDeg = new float[neurons * 2];
        double[] angle = new double[neurons];
        double[] r2 = new double[neurons];
        double[] polarity = new double[neurons];
        double[] amplitude = new double[neurons];
        double[] converged = new double[neurons];
        for (int n = 0; n < neurons; n++) {
            GaussianFit f = fits[n];
            double[] deg = display.toDegrees(f.x(), f.y());
            double scale = localScale(display, f.x(), f.y());
            centrePx[2 * n] = (float) f.x();
            centrePx[2 * n + 1] = (float) f.y();
            centreDeg[2 * n] = (float) deg[0];
            centreDeg[2 * n + 1] = (float) deg[1];
            sigmaPx[2 * n] = (float) f.sigmaMajor();
            sigmaPx[2 * n + 1] = (float) f.sigmaMinor();
            sigmaDeg[2 * n] = (float) (f.sigmaMajor() * scale);
            sigmaDeg[2 * n + 1] = (float) (f.sigmaMinor() * scale);
            angle[n] = f.angle();
            r2[n] = f.r2();
            polarity[n] = f.polarity();
            amplitude[n] = f.amplitude();
            converged[n] = f.converged() ? 1 : 0;
        }
        int height = display.height();
        int width = display.width();
        float[] pixelMaps = noise.check() == 1 ? maps : toPixels(maps, neurons, checks, height * width);
        Map<String, Object> stimulus = new LinkedHashMap<>();
        stimulus.put("kind", kind + " noise");
        stimulus.put("seed", seed);
        stimulus.put("blocks", blocks);
        stimulus.put("block_frames", blockFrames);
        stimulus.put("frames", blocks * blockFrames);
        stimulus.put("check_px", noise.check());
        stimulus.put("checks", new int[] {noise.checksX(), noise.checksY()});
        stimulus.put("contrast", contrast);
        stimulus.put("clips", clips());
        Map<String, Object> measure = new LinkedHashMap<>();
        measure.put("latency_frames", latency);
        measure.put("definition", "a block's response = mean predicted response over frames [onset + latency_frames, onset + "
                + "latency_frames + block_frames) after the block's onset; each clip ends with latency_frames gray frames");
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("type", type());
        header.putAll(protocol.describe());
        header.put("stimulus", stimulus);
        header.put("response_measure", measure);
        header.put("windows", totalWindows());
        header.put("stimuli", stimulusListing());
        return new ResultBuilder(header)
                .put("analysis", "rf_maps[n] = sum_b r_nb (s_b - mean s) / sum_b r_nb, the response-weighted average of the "
                        + "noise's contrast sign s (-1 dark, 0 gray, +1 bright), neurons x rows x columns. A 2-D Gaussian "
                        + "offset + amplitude * exp(-u^2 / 2 sigma_major^2 - v^2 / 2 sigma_minor^2) is fitted by "
                        + "Levenberg-Marquardt to polarity x map on the check grid, polarity the sign of the map's largest "
                        + "absolute value (+1 ON, -1 OFF). rf_center_px is [x, y] (column, row); rf_center_deg [azimuth, "
                        + "elevation] by the display's exact mapping; rf_sigma_* [major, minor]; rf_sigma_deg at the local "
                        + "scale of the centre; rf_angle_deg the major axis, counter-clockwise from +x; rf_fit_r2 = 1 - "
                        + "SS_residual / SS_total; rf_fit_converged 0 where the fit failed (the centre is then the map's peak).")
                .matrix("rf_center_px", centrePx, neurons, 2)
                .matrix("rf_center_deg", centreDeg, neurons, 2)
                .matrix("rf_sigma_px", sigmaPx, neurons, 2)
                .matrix("rf_sigma_deg", sigmaDeg, neurons, 2)
                .vector("rf_angle_deg", angle)
                .vector("rf_polarity", polarity)
                .vector("rf_amplitude", amplitude)
                .vector("rf_fit_r2", r2)
                .vector("rf_fit_converged", converged)
                .array("rf_maps", pixelMaps, neurons, height, width)
                .plot("rf_mosaic.png", ReceptiveFieldMosaic.png(protocol.mouse().id() + ": receptive fields (" + kind
                        + " noise)", pixelMaps, height, width, plotted, fits))
                .build();
    }

    /** Degrees per pixel around (x, y): the mean angle to the next pixel across and down. */
    private static double localScale(DisplayGeometry display, double x, double y) {
        double[] centre = display.toDegrees(x, y);
        return (display.angularDistance(x + 1, y, centre[0], centre[1]) + display.angularDistance(x, y + 1, centre[0], centre[1])) / 2;
    }

    private float[] toPixels(float[] maps, int neurons, int checks, int pixels) {
        float[] out = new float[neurons * pixels];
        for (int n = 0; n < neurons; n++) {
            float[] one = noise.toPixels(java.util.Arrays.copyOfRange(maps, n * checks, (n + 1) * checks));
            System.arraycopy(one, 0, out, n * pixels, pixels);
        }
        return out;
    }
}
