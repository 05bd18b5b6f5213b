package dwiseneuro.serve.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

class NpyReaderTest {

    /** Builds a version 1.0 .npy with the given header dict and raw data. */
    static byte[] npy(String dict, byte[] data) {
        String header = dict + " ".repeat((64 - (10 + dict.length() + 1) % 64) % 64) + "\n";
        ByteBuffer out = ByteBuffer.allocate(10 + header.length() + data.length).order(ByteOrder.LITTLE_ENDIAN);
        out.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) header.length());
        out.put(header.getBytes(StandardCharsets.ISO_8859_1)).put(data);
        return out.array();
    }

    @Test
    void writerOutputReadsBack() {
        float[] values = {1.5f, -2f, 3f, 4f, 5f, 6.25f};
        NpyArray array = NpyReader.read("x", NpyWriter.float32(values, 2, 3));
        assertArrayEquals(new int[] {2, 3}, array.shape());
        assertArrayEquals(values, array.data());
        assertEquals("float32", array.dtype());
    }

    @Test
    void fortranOrderAndBigEndianFloat64AreReorderedToC() {
        // C-order values 0..5 of shape (2, 3) stored column-major: 0, 3, 1, 4, 2, 5.
        ByteBuffer data = ByteBuffer.allocate(48).order(ByteOrder.BIG_ENDIAN);
        for (double v : new double[] {0, 3, 1, 4, 2, 5}) {
            data.putDouble(v);
        }
        NpyArray array = NpyReader.read("x", npy("{'descr': '>f8', 'fortran_order': True, 'shape': (2, 3), }", data.array()));
        assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, array.data());
    }

    @Test
    void uint8ValuesAreUnsigned() {
        NpyArray array = NpyReader.read("x", npy("{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }",
                new byte[] {0, (byte) 200, (byte) 255}));
        assertArrayEquals(new float[] {0, 200, 255}, array.data());
    }

    @Test
    void numpyWrittenSampleDecodes() throws IOException {
        Path sample = Path.of("models/demo/sample/behavior.npy");
        NpyArray array = NpyReader.read("behavior", Files.readAllBytes(sample));
        assertEquals(2, array.dim(0));
        assertTrue(array.dim(1) > 30);
    }

    @Test
    void badInputsNameTheProblem() {
        assertMessage("empty", new byte[0]);
        assertMessage("magic", "not numpy at all".getBytes(StandardCharsets.UTF_8));
        assertMessage("unsupported dtype '<i8'", npy("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", new byte[16]));
        assertMessage("unsupported dtype '|O'", npy("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", new byte[16]));
        assertMessage("unsupported dtype '<c8'", npy("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", new byte[16]));
        // A header that declares a huge array with a tiny body: refused before any allocation.
        assertMessage("only 8 bytes follow", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (36, 64, 100000), }", new byte[8]));
        assertMessage("too large", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000, 100000), }", new byte[8]));
        byte[] full = NpyWriter.float32(new float[] {1, 2, 3, 4}, 4);
        byte[] truncated = java.util.Arrays.copyOf(full, full.length - 3);
        assertMessage("truncated", truncated);
        assertMessage("truncated .npy header", java.util.Arrays.copyOf(full, 20));
    }

    private static void assertMessage(String expected, byte[] bytes) {
        MediaException e = assertThrows(MediaException.class, () -> NpyReader.read("video", bytes));
        assertTrue(e.getMessage().startsWith("video: "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
