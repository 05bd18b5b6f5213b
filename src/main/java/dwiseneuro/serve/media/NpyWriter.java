package dwiseneuro.serve.media;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Writes a little-endian float32 C-order .npy (format version 1.0). */
public final class NpyWriter {

    private NpyWriter() {
    }

    public static byte[] float32(float[] values, int... shape) {
        byte[] header = header(shape);
        ByteBuffer out = ByteBuffer.allocate(header.length + values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        out.put(header);
        out.asFloatBuffer().put(values);
        return out.array();
    }

    /** The magic, version and header of a float32 C-order .npy of {@code shape}: what precedes its values. */
    public static byte[] header(int... shape) {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + NpyReader.shapeText(shape) + ", }";
        // Magic (6) + version (2) + length (2) + header, padded with spaces to a multiple of 64, ending in \n.
        int unpadded = 10 + dict.length() + 1;
        int padding = (64 - unpadded % 64) % 64;
        String header = dict + " ".repeat(padding) + "\n";
        ByteBuffer out = ByteBuffer.allocate(10 + header.length()).order(ByteOrder.LITTLE_ENDIAN);
        out.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        out.putShort((short) header.length());
        out.put(header.getBytes(StandardCharsets.ISO_8859_1));
        return out.array();
    }
}
