package dwiseneuro.serve.experiments.plots;

import java.awt.BasicStroke;
import java.awt.Color;
import java.util.ArrayList;
import java.util.List;

import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** Tuning curves, one small line chart per neuron, several curves (series) per chart. */
public final class TuningCurvePlot {

    private static final Color[] COLOURS = {new Color(0xC0392B), new Color(0x2471A3), new Color(0x229954),
        new Color(0x7D3C98), new Color(0xD68910), new Color(0x17202A)};

    /** One neuron's curves: {@code y[series][i]} at {@code x[i]}, titled. */
    public record Panel(String title, double[][] y) {
    }

    private TuningCurvePlot() {
    }

    /**
     * @param x           the swept values (e.g. radii, spatial frequencies)
     * @param logX        a logarithmic x axis (frequencies)
     * @param seriesNames the curves' names (e.g. "2 Hz"), shown in the title's legend line
     */
    public static byte[] png(String title, String xLabel, double[] x, boolean logX, String[] seriesNames, List<Panel> panels) {
        List<JFreeChart> charts = new ArrayList<>();
        for (Panel panel : panels) {
            XYSeriesCollection data = new XYSeriesCollection();
            for (int s = 0; s < panel.y().length; s++) {
                XYSeries series = new XYSeries(seriesNames[s], false, true);
                for (int i = 0; i < x.length; i++) {
                    series.add(x[i], panel.y()[s][i]);
                }
                data.addSeries(series);
            }
            ValueAxis xAxis = logX ? new LogAxis(xLabel) : new NumberAxis(xLabel);
            NumberAxis yAxis = new NumberAxis("response");
            yAxis.setAutoRangeIncludesZero(true);
            for (ValueAxis axis : new ValueAxis[] {xAxis, yAxis}) {
                axis.setTickLabelFont(ChartGrid.TICKS);
                axis.setLabelFont(ChartGrid.TICKS);
            }
            XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
            for (int s = 0; s < panel.y().length; s++) {
                renderer.setSeriesPaint(s, COLOURS[s % COLOURS.length]);
                renderer.setSeriesStroke(s, new BasicStroke(1.5f));
            }
            XYPlot plot = new XYPlot(data, xAxis, yAxis, renderer);
            plot.setBackgroundPaint(Color.WHITE);
            plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
            plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
            charts.add(ChartGrid.tile(panel.title(), plot));
        }
        String legend = seriesNames.length > 1 ? " (" + String.join(", ", legendEntries(seriesNames)) + ")" : "";
        return ChartGrid.png(title + legend, charts, 4, 260, 220);
    }

    private static List<String> legendEntries(String[] names) {
        String[] colours = {"red", "blue", "green", "purple", "orange", "black"};
        List<String> out = new ArrayList<>();
        for (int s = 0; s < names.length; s++) {
            out.add(colours[s % colours.length] + ": " + names[s]);
        }
        return out;
    }
}
