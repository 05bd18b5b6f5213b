package dwiseneuro.serve.api;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;

import javax.imageio.ImageIO;

/**
 * Draws responses (neurons x frames) as a PNG heatmap: time on the x axis (frame index, with the
 * frame rate), neurons on the y axis (row index, top to bottom), the viridis colour map from the
 * smallest to the largest value, and a labelled colour bar. Java2D in headless mode.
 */
public final class Heatmap {

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    /** Viridis anchors (matplotlib), interpolated linearly. */
    private static final int[] VIRIDIS = {
        0x440154, 0x482475, 0x414487, 0x355f8d, 0x2a788e, 0x21918c, 0x22a884, 0x44bf70, 0x7ad151, 0xbddf26, 0xfde725};

    private static final int LEFT = 70;
    private static final int TOP = 40;
    private static final int BOTTOM = 50;
    private static final int BAR = 18;
    private static final int RIGHT = 90;

    private Heatmap() {
    }

    /**
     * @param values     neurons x frames, C order
     * @param firstFrame index of the first column in the clip (for the axis labels)
     */
    public static byte[] png(float[] values, int neurons, int frames, int firstFrame, int fps, String title, String unit) {
        int plotWidth = Math.max(360, Math.min(1200, frames * 4));
        int plotHeight = Math.max(200, Math.min(800, neurons * 4));
        int width = LEFT + plotWidth + RIGHT;
        int height = TOP + plotHeight + BOTTOM;
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float v : values) {
            if (Float.isFinite(v)) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
        }
        if (!(min <= max)) {
            min = 0;
            max = 1;
        }
        if (max == min) {
            max = min + 1e-6f;
        }

        BufferedImage cells = new BufferedImage(frames, neurons, BufferedImage.TYPE_INT_RGB);
        for (int n = 0; n < neurons; n++) {
            for (int t = 0; t < frames; t++) {
                cells.setRGB(t, n, colour((values[n * frames + t] - min) / (max - min)));
            }
        }

        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
            g.drawImage(cells, LEFT, TOP, plotWidth, plotHeight, null);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.BLACK);
            g.setStroke(new BasicStroke(1f));
            g.drawRect(LEFT - 1, TOP - 1, plotWidth + 1, plotHeight + 1);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
            g.drawString(title, LEFT, TOP - 14);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            FontMetrics fm = g.getFontMetrics();

            // x axis: frames
            for (int tick : ticks(firstFrame, firstFrame + frames - 1, 8)) {
                int x = LEFT + (int) Math.round((tick - firstFrame + 0.5) * plotWidth / frames);
                g.drawLine(x, TOP + plotHeight, x, TOP + plotHeight + 4);
                String label = Integer.toString(tick);
                g.drawString(label, x - fm.stringWidth(label) / 2, TOP + plotHeight + 16);
            }
            String xLabel = "frame (" + fps + " fps)";
            g.drawString(xLabel, LEFT + (plotWidth - fm.stringWidth(xLabel)) / 2, TOP + plotHeight + 34);

            // y axis: neurons
            for (int tick : ticks(0, neurons - 1, 8)) {
                int y = TOP + (int) Math.round((tick + 0.5) * plotHeight / neurons);
                g.drawLine(LEFT - 5, y, LEFT - 1, y);
                String label = Integer.toString(tick);
                g.drawString(label, LEFT - 8 - fm.stringWidth(label), y + fm.getAscent() / 2 - 1);
            }
            AffineTransform saved = g.getTransform();
            g.rotate(-Math.PI / 2);
            String yLabel = "neuron";
            g.drawString(yLabel, -(TOP + (plotHeight + fm.stringWidth(yLabel)) / 2), 22);
            g.setTransform(saved);

            // colour bar
            int barX = LEFT + plotWidth + 14;
            for (int y = 0; y < plotHeight; y++) {
                g.setColor(new Color(colour(1f - (float) y / (plotHeight - 1))));
                g.drawLine(barX, TOP + y, barX + BAR, TOP + y);
            }
            g.setColor(Color.BLACK);
            g.drawRect(barX, TOP, BAR, plotHeight - 1);
            for (int i = 0; i <= 4; i++) {
                float value = max - (max - min) * i / 4f;
                int y = TOP + (plotHeight - 1) * i / 4;
                g.drawLine(barX + BAR, y, barX + BAR + 4, y);
                g.drawString(format(value), barX + BAR + 7, y + fm.getAscent() / 2 - 1);
            }
            g.drawString(unit, barX - 4, TOP + plotHeight + 16);
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** About {@code count} round tick values between {@code from} and {@code to} inclusive. */
    static int[] ticks(int from, int to, int count) {
        int span = Math.max(1, to - from);
        double raw = (double) span / count;
        double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        int step = (int) Math.max(1, Math.ceil(raw / magnitude) * magnitude);
        for (int nice : new int[] {1, 2, 5, 10}) {
            if (nice * magnitude >= raw) {
                step = (int) Math.max(1, nice * magnitude);
                break;
            }
        }
        int first = (int) Math.ceil((double) from / step) * step;
        java.util.List<Integer> out = new java.util.ArrayList<>();
        for (int v = first; v <= to; v += step) {
            out.add(v);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static String format(float value) {
        float abs = Math.abs(value);
        if (abs != 0 && (abs >= 1e4 || abs < 1e-2)) {
            return String.format(Locale.ROOT, "%.2e", value);
        }
        return String.format(Locale.ROOT, "%.3f", value);
    }

    /** Viridis colour of {@code f} in [0, 1]. */
    static int colour(float f) {
        float x = Float.isNaN(f) ? 0 : Math.max(0, Math.min(1, f)) * (VIRIDIS.length - 1);
        int i = Math.min(VIRIDIS.length - 2, (int) x);
        float w = x - i;
        int a = VIRIDIS[i];
        int b = VIRIDIS[i + 1];
        int r = Math.round(((a >> 16) & 0xff) * (1 - w) + ((b >> 16) & 0xff) * w);
        int gg = Math.round(((a >> 8) & 0xff) * (1 - w) + ((b >> 8) & 0xff) * w);
        int bb = Math.round((a & 0xff) * (1 - w) + (b & 0xff) * w);
        return r << 16 | gg << 8 | bb;
    }
}
