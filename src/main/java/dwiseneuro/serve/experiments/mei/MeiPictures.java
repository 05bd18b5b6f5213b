package dwiseneuro.serve.experiments.mei;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

import javax.imageio.ImageIO;

import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** The pictures of a most-exciting-input result: the objective per step (JFreeChart) and the stimulus's frames. */
final class MeiPictures {

    static {
        System.setProperty("java.awt.headless", "true");
    }

    /** Screen pixels per stimulus pixel in the frame images: 64 x 36 becomes 384 x 216. */
    static final int SCALE = 6;

    private MeiPictures() {
    }

    /** The objective of every start at every step, one line per start; the best start drawn thicker. */
    static byte[] objectivePlot(float[][] trace, int bestStart, String title) {
        XYSeriesCollection data = new XYSeriesCollection();
        int starts = trace[0].length;
        for (int s = 0; s < starts; s++) {
            XYSeries series = new XYSeries("start " + s, false, true);
            for (int step = 0; step < trace.length; step++) {
                series.add(step, trace[step][s]);
            }
            data.addSeries(series);
        }
        NumberAxis steps = new NumberAxis("step");
        NumberAxis objective = new NumberAxis("objective (mean response of the chosen neurons)");
        objective.setAutoRangeIncludesZero(false);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
        for (int s = 0; s < starts; s++) {
            renderer.setSeriesStroke(s, new BasicStroke(s == bestStart ? 2.5f : 1.2f));
        }
        XYPlot plot = new XYPlot(data, steps, objective, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, starts > 1);
        chart.setBackgroundPaint(Color.WHITE);
        try {
            return ChartUtils.encodeAsPNG(chart.createBufferedImage(720, 420));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Frame {@code t} of a (height, width, frames) video as a gray PNG, 0..255 as black..white, scaled up. */
    static byte[] frame(float[] video, int height, int width, int frames, int t) {
        return png(tile(new int[] {t}, video, height, width, frames, 1));
    }

    /** Up to {@code most} frames evenly spread over the video, in one row-major grid of 4 columns. */
    static byte[] frames(float[] video, int height, int width, int frames, int most) {
        int count = Math.min(most, frames);
        int[] chosen = new int[count];
        for (int i = 0; i < count; i++) {
            chosen[i] = count == 1 ? 0 : (int) Math.round(i * (frames - 1) / (double) (count - 1));
        }
        return png(tile(chosen, video, height, width, frames, Math.min(4, count)));
    }

    private static BufferedImage tile(int[] chosen, float[] video, int height, int width, int frames, int columns) {
        int rows = (chosen.length + columns - 1) / columns;
        int gap = chosen.length > 1 ? SCALE : 0;
        BufferedImage image = new BufferedImage(columns * (width * SCALE + gap), rows * (height * SCALE + gap),
                BufferedImage.TYPE_BYTE_GRAY);
        for (int i = 0; i < chosen.length; i++) {
            int x0 = (i % columns) * (width * SCALE + gap);
            int y0 = (i / columns) * (height * SCALE + gap);
            for (int y = 0; y < height * SCALE; y++) {
                for (int x = 0; x < width * SCALE; x++) {
                    float v = video[((y / SCALE) * width + x / SCALE) * frames + chosen[i]];
                    int gray = Math.round(Math.max(0f, Math.min(255f, v)));
                    image.setRGB(x0 + x, y0 + y, new Color(gray, gray, gray).getRGB());
                }
            }
        }
        return image;
    }

    private static byte[] png(BufferedImage image) {
        try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            ImageIO.write(image, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
