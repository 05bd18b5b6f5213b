package dwiseneuro.serve.testing;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import dwiseneuro.serve.media.NpyArray;
import dwiseneuro.serve.media.NpyReader;

/** Reads an .npz answer (a result.npz) into its arrays by name. */
public final class NpzBytes {

    private NpzBytes() {
    }

    public static Map<String, NpyArray> read(byte[] bytes) throws IOException {
        Map<String, NpyArray> arrays = new LinkedHashMap<>();
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(bytes))) {
            for (ZipEntry entry; (entry = zip.getNextEntry()) != null; ) {
                String name = entry.getName().replaceFirst("\\.npy$", "");
                arrays.put(name, NpyReader.read(name, zip.readAllBytes()));
            }
        }
        assertFalse(arrays.isEmpty(), "an empty .npz");
        return arrays;
    }
}
