package dwiseneuro.serve.experiments.plots;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.block.RectangleConstraint;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.Range;

/** Small JFreeChart charts (one per neuron) laid out in a grid under a title, as one PNG. Headless. */
final class ChartGrid {

    static {
        System.setProperty("java.awt.headless", "true");
    }

    static final Font TILE_TITLE = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
    static final Font TICKS = new Font(Font.SANS_SERIF, Font.PLAIN, 9);
    private static final int TITLE_HEIGHT = 30;

    private ChartGrid() {
    }

    static byte[] png(String title, List<JFreeChart> charts, int columns, int tileWidth, int tileHeight) {
        int cols = Math.max(1, Math.min(columns, charts.size()));
        int rows = Math.max(1, (charts.size() + cols - 1) / cols);
        BufferedImage image = new BufferedImage(cols * tileWidth, TITLE_HEIGHT + rows * tileHeight, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, image.getWidth(), image.getHeight());
            TextTitle heading = new TextTitle(title, new Font(Font.SANS_SERIF, Font.BOLD, 14));
            heading.arrange(g, new RectangleConstraint(new Range(0, image.getWidth()), new Range(0, TITLE_HEIGHT - 4))); // lays out the text
            heading.draw(g, new Rectangle2D.Double(0, 4, image.getWidth(), TITLE_HEIGHT - 4));
            for (int i = 0; i < charts.size(); i++) {
                charts.get(i).draw(g, new Rectangle2D.Double((i % cols) * tileWidth, TITLE_HEIGHT + (i / cols) * tileHeight,
                        tileWidth, tileHeight));
            }
        } finally {
            g.dispose();
        }
        try {
            return ChartUtils.encodeAsPNG(image);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A chart without legend, with a small title, white background. */
    static JFreeChart tile(String title, org.jfree.chart.plot.Plot plot) {
        JFreeChart chart = new JFreeChart(title, TILE_TITLE, plot, false);
        chart.setBackgroundPaint(Color.WHITE);
        chart.setAntiAlias(true);
        return chart;
    }
}
