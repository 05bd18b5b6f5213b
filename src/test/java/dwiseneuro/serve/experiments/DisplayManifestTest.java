package dwiseneuro.serve.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dwiseneuro.serve.ensemble.EnsembleException;
import dwiseneuro.serve.ensemble.Manifest;
import dwiseneuro.serve.ensemble.ManifestReader;
import dwiseneuro.serve.experiments.display.DisplayGeometry;
import dwiseneuro.serve.testing.EnsembleCopy;

/** The manifest's optional display block and video_mean: read, checked, and absent meaning the defaults. */
class DisplayManifestTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static Manifest read(ObjectNode manifest) throws Exception {
        Path folder = Files.createTempDirectory("display-manifest-");
        JSON.writeValue(folder.resolve("manifest.json").toFile(), manifest);
        try {
            return ManifestReader.read(folder, JSON);
        } finally {
            Files.delete(folder.resolve("manifest.json"));
            Files.delete(folder);
        }
    }

    private static ObjectNode demo() throws Exception {
        return (ObjectNode) JSON.readTree(EnsembleCopy.DEMO.resolve("manifest.json").toFile());
    }

    @Test
    void absentMeansTheSensoriumRig() throws Exception {
        ObjectNode m = demo();
        m.remove("display");
        Manifest manifest = read(m);
        DisplayGeometry display = DisplayGeometry.of(manifest);
        assertFalse(display.fromManifest());
        assertEquals(Manifest.Display.SENSORIUM_2023, display.display());
    }

    @Test
    void aDisplayBlockChangesTheMapping() throws Exception {
        ObjectNode m = demo();
        m.putObject("display").put("screen_width_cm", 40.0).put("screen_height_cm", 22.5).put("distance_cm", 20.0);
        ((ObjectNode) m.get("mice").get(0)).put("video_mean", 80.5);
        Manifest manifest = read(m);
        DisplayGeometry display = DisplayGeometry.of(manifest);
        assertTrue(display.fromManifest());
        assertEquals(Math.toDegrees(Math.atan2(20, 20)), -display.azimuth(-0.5), 1e-9, "edge of a 40 cm screen at 20 cm");
        assertEquals(80.5, manifest.mice().get(0).videoMean());
    }

    @Test
    void badValuesAreRefusedAtStartup() throws Exception {
        ObjectNode m = demo();
        m.putObject("display").put("screen_width_cm", 40.0).put("distance_cm", 20.0); // height missing
        assertTrue(assertThrows(EnsembleException.class, () -> read(m)).getMessage().contains("display"));
        ObjectNode v = demo();
        ((ObjectNode) v.get("mice").get(1)).put("video_mean", 300);
        assertTrue(assertThrows(EnsembleException.class, () -> read(v)).getMessage().contains("video_mean"));
    }
}
