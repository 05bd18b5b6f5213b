package dwiseneuro.serve.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every array layout the API accepts, in files numpy wrote (src/test/resources/arrays/make_arrays.py):
 * uint8/float32/float64, C and Fortran order, little and big endian, format versions 1-3, .npz plain and
 * compressed; JSON traces; and the bounds that keep a hostile .npz from exhausting memory.
 */
class ArrayLayoutsTest {

    static final Path ARRAYS = Path.of("src/test/resources/arrays");
    static final Path SAMPLE = Path.of("models/demo/sample");

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "layout_u1_C_le.npy", "layout_u1_F_le.npy",
        "layout_f4_C_le.npy", "layout_f4_C_be.npy", "layout_f4_F_le.npy", "layout_f4_F_be.npy",
        "layout_f8_C_le.npy", "layout_f8_C_be.npy", "layout_f8_F_le.npy", "layout_f8_F_be.npy",
        "layout_f4_C_le_v2.npy", "layout_f4_C_le_v3.npy"})
    void everyLayoutReadsToTheSameCOrderValues(String file) throws IOException {
        NpyArray array = NpyReader.read(file, Files.readAllBytes(ARRAYS.resolve(file)));
        assertArrayEquals(new int[] {2, 3, 4}, array.shape());
        float[] expected = new float[24];
        for (int i = 0; i < 24; i++) {
            expected[i] = i * 10;
        }
        assertArrayEquals(expected, array.data(), file);
        String dtype = file.substring(7, 9);
        assertEquals(Map.of("u1", "uint8", "f4", "float32", "f8", "float64").get(dtype), array.dtype());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"clip.npz", "clip_compressed.npz"})
    void npzHoldsTheSameArraysAsTheSeparateFiles(String file) throws IOException {
        Map<String, NpyArray> arrays = NpzReader.read("clip", ARRAYS.resolve(file), ClipDecoder.ARRAYS,
                Map.of(), 1 << 24);
        assertEquals(ClipDecoder.ARRAYS, arrays.keySet());
        for (String name : ClipDecoder.ARRAYS) {
            NpyArray whole = NpyReader.read(name, Files.readAllBytes(SAMPLE.resolve(name + ".npy")));
            NpyArray cut = arrays.get(name);
            int frames = whole.dim(whole.ndim() - 1);
            assertEquals(36, cut.dim(cut.ndim() - 1));
            int rows = whole.data().length / frames;
            for (int r = 0; r < rows; r++) {
                for (int t = 0; t < 36; t++) {
                    // pupil_center is stored big-endian, Fortran order, float64 in the archive
                    assertEquals(whole.data()[r * frames + t], cut.data()[r * 36 + t], 1e-6, name + " row " + r + " frame " + t);
                }
            }
        }
        assertEquals("float64", arrays.get("pupil_center").dtype());
    }

    @Test
    void npzEntryDeclaringMoreThanTheLimitIsRefusedBeforeInflating() throws IOException {
        // A zip bomb: the header declares 207 MB; 20 MB of zeros compress to ~20 KB. The header alone says it is too big.
        Path bomb = dir.resolve("bomb.npz");
        byte[] header = npyHeader("|u1", "(36, 64, 90000)");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(bomb))) {
            zip.putNextEntry(new ZipEntry("video.npy"));
            zip.write(header);
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 20; i++) {
                zip.write(zeros);
            }
            zip.closeEntry();
        }
        assertTrue(Files.size(bomb) < 2_000_000);
        MediaException byElements = assertThrows(MediaException.class, () -> NpzReader.read("clip", bomb,
                ClipDecoder.ARRAYS, Map.of("video", 36L * 64 * 3600), Long.MAX_VALUE));
        assertEquals(413, byElements.status());
        MediaException byBytes = assertThrows(MediaException.class, () -> NpzReader.read("clip", bomb,
                ClipDecoder.ARRAYS, Map.of(), 1_000_000));
        assertEquals(413, byBytes.status());
        assertTrue(byBytes.getMessage().contains("upload limit"), byBytes.getMessage());
    }

    @Test
    void npzEntryWithMoreDataThanItsHeaderDeclaresIsRefused() throws IOException {
        Path file = dir.resolve("long.npz");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            zip.putNextEntry(new ZipEntry("behavior.npy"));
            zip.write(npyHeader("<f4", "(2, 3)"));
            zip.write(new byte[24 + 1_000_000]);
            zip.closeEntry();
        }
        MediaException e = assertThrows(MediaException.class, () -> NpzReader.read("clip", file, ClipDecoder.ARRAYS,
                Map.of(), Long.MAX_VALUE));
        assertEquals(400, e.status());
        assertTrue(e.getMessage().contains("unexpected bytes"), e.getMessage());
    }

    @Test
    void npzWithUnknownOrBrokenEntriesIsRefused() throws IOException {
        Path unknown = dir.resolve("unknown.npz");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(unknown))) {
            zip.putNextEntry(new ZipEntry("responses.npy"));
            zip.write(npyHeader("<f4", "(1,)"));
            zip.write(new byte[4]);
            zip.closeEntry();
        }
        assertTrue(assertThrows(MediaException.class, () -> NpzReader.read("clip", unknown, ClipDecoder.ARRAYS,
                Map.of(), Long.MAX_VALUE)).getMessage().contains("unexpected array 'responses.npy'"));
        Path notZip = dir.resolve("not.npz");
        Files.writeString(notZip, "PK\u0003\u0004 but no zip");
        assertEquals(400, assertThrows(MediaException.class, () -> NpzReader.read("clip", notZip, ClipDecoder.ARRAYS,
                Map.of(), Long.MAX_VALUE)).status());
    }

    @Test
    void npyDeclaringMoreValuesThanTheLimitIs413() throws IOException {
        byte[] bytes = Files.readAllBytes(ARRAYS.resolve("layout_f4_C_le.npy"));
        assertEquals(413, assertThrows(MediaException.class, () -> NpyReader.read("video", bytes, 23)).status());
        assertEquals(24, NpyReader.read("video", bytes, 24).data().length);
    }

    @Test
    void jsonTracesReadAsRowsWithNullForNaN() {
        NpyArray trace = TraceJson.read("behavior", stream("[[1, 2.5, null], [4, 5, NaN]]"), 100);
        assertArrayEquals(new int[] {2, 3}, trace.shape());
        assertArrayEquals(new float[] {1, 2.5f, Float.NaN, 4, 5, Float.NaN}, trace.data());
        assertEquals(400, assertThrows(MediaException.class, () -> TraceJson.read("behavior", stream("[[1, 2], [3]]"), 100)).status());
        assertEquals(400, assertThrows(MediaException.class, () -> TraceJson.read("behavior", stream("{\"a\": 1}"), 100)).status());
        assertEquals(400, assertThrows(MediaException.class, () -> TraceJson.read("behavior", stream("[[1, \"x\"]]"), 100)).status());
        assertEquals(400, assertThrows(MediaException.class, () -> TraceJson.read("behavior", stream("[[1, 2]] [[3]]"), 100)).status());
        assertEquals(413, assertThrows(MediaException.class, () -> TraceJson.read("behavior", stream("[[1, 2, 3], [4, 5, 6]]"), 5)).status());
    }

    @Test
    void fortranReorderingIsTheInverseOfNumpysLayout() {
        // shape (2, 3): Fortran storage [a00, a10, a01, a11, a02, a12]
        float[] c = NpyReader.fortranToC(new float[] {0, 3, 1, 4, 2, 5}, new int[] {2, 3});
        assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, c);
    }

    private static ByteArrayInputStream stream(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }

    /** A version 1.0 .npy header for {@code descr} and {@code shape}, padded as numpy pads it. */
    static byte[] npyHeader(String descr, String shape) {
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
        int padding = (64 - (10 + dict.length() + 1) % 64) % 64;
        String text = dict + " ".repeat(padding) + "\n";
        byte[] out = new byte[10 + text.length()];
        byte[] magic = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
        System.arraycopy(magic, 0, out, 0, 8);
        out[8] = (byte) (text.length() & 0xff);
        out[9] = (byte) (text.length() >> 8);
        System.arraycopy(text.getBytes(StandardCharsets.ISO_8859_1), 0, out, 10, text.length());
        return out;
    }
}
