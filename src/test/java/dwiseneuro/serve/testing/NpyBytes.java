package dwiseneuro.serve.testing;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Writes .npy files for tests, including ones NumPy would never write (any header, any dtype text). */
public final class NpyBytes {

    private NpyBytes() {
    }

    /** The header dictionary NumPy writes for {@code descr} and {@code shape}. */
    public static String dict(String descr, long... shape) {
        StringBuilder text = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            text.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        text.append(shape.length == 1 ? ",)" : ")");
        return "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + text + ", }";
    }

    /** Magic, version {@code major}.0, the header length and {@code dict} padded to 64 bytes as NumPy does. */
    public static byte[] header(String dict, int major) {
        int lengthBytes = major == 1 ? 2 : 4;
        int unpadded = 8 + lengthBytes + dict.length() + 1;
        String padded = dict + " ".repeat((64 - unpadded % 64) % 64) + "\n";
        return header(padded.getBytes(StandardCharsets.ISO_8859_1), major, padded.length());
    }

    /** Magic, version {@code major}.0, a declared header length (true or not) and the header bytes. */
    public static byte[] header(byte[] text, int major, long declaredLength) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        ByteBuffer length = ByteBuffer.allocate(major == 1 ? 2 : 4).order(ByteOrder.LITTLE_ENDIAN);
        if (major == 1) {
            length.putShort((short) declaredLength);
        } else {
            length.putInt((int) declaredLength);
        }
        out.writeBytes(length.array());
        out.writeBytes(text);
        return out.toByteArray();
    }

    public static byte[] uint8(byte[] values, long... shape) {
        return concat(header(dict("|u1", shape), 1), values);
    }

    public static byte[] float32(float[] values, long... shape) {
        ByteBuffer data = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        data.asFloatBuffer().put(values);
        return concat(header(dict("<f4", shape), 1), data.array());
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
