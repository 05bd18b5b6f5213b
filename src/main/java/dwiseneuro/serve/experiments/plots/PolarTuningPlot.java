package dwiseneuro.serve.experiments.plots;

import java.awt.BasicStroke;
import java.awt.Color;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.PolarPlot;
import org.jfree.chart.renderer.DefaultPolarItemRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Polar direction tuning curves, one small plot per neuron: the response at each direction of motion
 * (0 deg to the right, counter-clockwise, as the stimulus convention) and the baseline as a circle.
 */
public final class PolarTuningPlot {

    private PolarTuningPlot() {
    }

    /**
     * @param curves      neurons x directions responses, C order
     * @param baseline    per neuron
     * @param neurons     rows to plot
     * @param preferred   per neuron preferred direction (for the tile title)
     * @param dsi         per neuron DSI (for the tile title)
     */
    public static byte[] png(String title, double[] directions, float[] curves, float[] baseline, int[] neurons,
                             double[] preferred, double[] dsi) {
        int d = directions.length;
        List<JFreeChart> charts = new ArrayList<>();
        for (int n : neurons) {
            XYSeries curve = new XYSeries("response", false, true);
            XYSeries rest = new XYSeries("baseline", false, true);
            double top = Math.max(0, baseline[n]); // the baseline circle stays inside, even above every response
            for (int k = 0; k < d; k++) {
                curve.add(directions[k], Math.max(0, curves[n * d + k]));
                top = Math.max(top, curves[n * d + k]);
            }
            for (int a = 0; a < 360; a += 10) {
                rest.add(a, Math.max(0, baseline[n]));
            }
            XYSeriesCollection data = new XYSeriesCollection();
            data.addSeries(curve);
            data.addSeries(rest);
            NumberAxis radius = new NumberAxis();
            radius.setRange(0, top > 0 ? top * 1.05 : 1);
            radius.setTickLabelFont(ChartGrid.TICKS);
            DefaultPolarItemRenderer renderer = new DefaultPolarItemRenderer();
            renderer.setSeriesPaint(0, new Color(0xC0392B));
            renderer.setSeriesStroke(0, new BasicStroke(2f));
            renderer.setSeriesPaint(1, Color.GRAY);
            renderer.setSeriesStroke(1, new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1f, new float[] {3f, 3f}, 0f));
            renderer.setShapesVisible(true);
            renderer.setConnectFirstAndLastPoint(true);
            PolarPlot plot = new PolarPlot(data, radius, renderer);
            plot.setCounterClockwise(true);
            plot.setAngleOffset(0);
            plot.setAngleTickUnit(new NumberTickUnit(90));
            plot.setAngleLabelFont(ChartGrid.TICKS);
            plot.setBackgroundPaint(Color.WHITE);
            plot.setAngleGridlinePaint(Color.LIGHT_GRAY);
            plot.setRadiusGridlinePaint(Color.LIGHT_GRAY);
            charts.add(ChartGrid.tile(String.format(Locale.ROOT, "neuron %d: %.0f deg, DSI %.2f", n, preferred[n], dsi[n]), plot));
        }
        return ChartGrid.png(title + " (response by direction of motion; dashed: baseline)", charts, 4, 240, 250);
    }
}
