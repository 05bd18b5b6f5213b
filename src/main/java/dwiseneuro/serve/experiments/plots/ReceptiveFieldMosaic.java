package dwiseneuro.serve.experiments.plots;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYShapeAnnotation;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.LookupPaintScale;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.data.xy.DefaultXYZDataset;

import dwiseneuro.serve.experiments.analysis.GaussianFit;

/**
 * Receptive-field maps as a mosaic: one heat map per neuron on the video frame (rows down, as the frame
 * is shown), blue dark-preferring, red bright-preferring, each on its own symmetric scale, with the fitted
 * Gaussian's 1-sigma ellipse.
 */
public final class ReceptiveFieldMosaic {

    private static final int STEPS = 65;

    private ReceptiveFieldMosaic() {
    }

    /** @param maps neurons x height x width, C order */
    public static byte[] png(String title, float[] maps, int height, int width, int[] neurons, GaussianFit[] fits) {
        int pixels = height * width;
        List<JFreeChart> charts = new ArrayList<>();
        for (int n : neurons) {
            double[][] xyz = new double[3][pixels];
            double extent = 1e-12;
            for (int i = 0; i < pixels; i++) {
                xyz[0][i] = i % width;
                xyz[1][i] = i / width;
                xyz[2][i] = maps[n * pixels + i];
                extent = Math.max(extent, Math.abs(xyz[2][i]));
            }
            DefaultXYZDataset data = new DefaultXYZDataset();
            data.addSeries("map", xyz);
            XYBlockRenderer renderer = new XYBlockRenderer();
            renderer.setPaintScale(diverging(extent));
            NumberAxis x = new NumberAxis();
            x.setRange(-0.5, width - 0.5);
            NumberAxis y = new NumberAxis();
            y.setRange(-0.5, height - 0.5);
            y.setInverted(true);
            for (NumberAxis axis : new NumberAxis[] {x, y}) {
                axis.setTickLabelsVisible(false);
                axis.setTickMarksVisible(false);
            }
            XYPlot plot = new XYPlot(data, x, y, renderer);
            plot.setDomainGridlinesVisible(false);
            plot.setRangeGridlinesVisible(false);
            GaussianFit fit = fits[n];
            if (fit.converged() && fit.sigmaMajor() > 0) {
                Ellipse2D ellipse = new Ellipse2D.Double(fit.x() - fit.sigmaMajor(), fit.y() - fit.sigmaMinor(),
                        2 * fit.sigmaMajor(), 2 * fit.sigmaMinor());
                AffineTransform turn = AffineTransform.getRotateInstance(-Math.toRadians(fit.angle()), fit.x(), fit.y());
                plot.addAnnotation(new XYShapeAnnotation(turn.createTransformedShape(ellipse), new BasicStroke(1.5f), Color.BLACK));
            }
            charts.add(ChartGrid.tile(String.format(Locale.ROOT, "neuron %d: [%.1f, %.1f] px, r2 %.2f", n, fit.x(), fit.y(),
                    fit.r2()), plot));
        }
        return ChartGrid.png(title + " (red: bright, blue: dark; ellipse: fitted 1 sigma)", charts, 8, 220, 150);
    }

    /** Blue (-extent) through white (0) to red (+extent). */
    private static LookupPaintScale diverging(double extent) {
        LookupPaintScale scale = new LookupPaintScale(-extent, extent * (1 + 1e-9), Color.WHITE);
        for (int i = 0; i < STEPS; i++) { // bin i starts at its lower edge, coloured by its middle
            double f = (i + 0.5) / STEPS; // 0 blue .. 1 red
            float t = (float) Math.abs(2 * f - 1);
            Color c = f < 0.5 ? mix(Color.WHITE, new Color(0x2166AC), t) : mix(Color.WHITE, new Color(0xB2182B), t);
            scale.add(-extent + 2 * extent * i / STEPS, c);
        }
        return scale;
    }

    private static Color mix(Color a, Color b, float t) {
        return new Color(Math.round(a.getRed() + (b.getRed() - a.getRed()) * t),
                Math.round(a.getGreen() + (b.getGreen() - a.getGreen()) * t),
                Math.round(a.getBlue() + (b.getBlue() - a.getBlue()) * t));
    }
}
