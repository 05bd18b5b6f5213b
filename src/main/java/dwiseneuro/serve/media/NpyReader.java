package dwiseneuro.serve.media;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.openlca.npy.Npy;
import org.openlca.npy.NpyDataType;
import org.openlca.npy.NpyHeader;
import org.openlca.npy.dict.NpyHeaderDict;

/**
 * Reads the NumPy .npy format (versions 1-3): uint8, float32 and float64 in either byte order,
 * C or Fortran order, into float32 values in C order.
 *
 * <p>The header dictionary and the elements are decoded by org.openlca:npy. That library trusts the
 * header (it allocates what the shape declares, zero-fills a truncated file, ignores trailing bytes
 * and hands Fortran-ordered data back as stored), so this class checks first: the header length and
 * the declared size against the bytes actually present, and the element count against the caller's
 * limit, before anything is allocated; it reorders Fortran data to C order itself.
 */
public final class NpyReader {

    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern SUPPORTED = Pattern.compile("[<>|=]?(u1|f4|f8|B)");
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** Longest header accepted; numpy's own are 128 bytes, a little more for many dimensions. */
    static final int MAX_HEADER_BYTES = 65_536;

    private NpyReader() {
    }

    /** Decodes {@code bytes} of the part called {@code name} (used in error messages). */
    public static NpyArray read(String name, byte[] bytes) {
        return read(name, bytes, Long.MAX_VALUE);
    }

    /**
     * Decodes {@code bytes}, refusing with 413 an array that declares more than {@code maxElements}
     * values (checked on the header, before the values are allocated).
     */
    public static NpyArray read(String name, byte[] bytes, long maxElements) {
        Header header = header(name, bytes, 0, bytes.length);
        long available = bytes.length - (long) header.dataOffset;
        long expected = header.dataBytes();
        if (available < expected) {
            throw new MediaException(name + ": truncated .npy data: the header declares shape "
                    + shapeText(header.shape) + " (" + expected + " bytes) but only " + available + " bytes follow");
        }
        if (available > expected) {
            throw new MediaException(name + ": " + (available - expected)
                    + " unexpected bytes after the .npy data of shape " + shapeText(header.shape));
        }
        if (header.count() > maxElements) {
            throw new MediaException(413, name + ": the array has shape " + shapeText(header.shape) + " ("
                    + header.count() + " values); this service accepts at most " + maxElements);
        }
        org.openlca.npy.NpyArray<?> decoded;
        try {
            InputStream in = new ByteArrayInputStream(bytes);
            if (header.version > 1) {
                // org.openlca:npy 0.0.3 fails on version 2/3 headers read from a channel (it reads the 4-byte
                // length without flipping its buffer): hand it the same dictionary as a version 1.0 header.
                in = new SequenceInputStream(new ByteArrayInputStream(header.dict.toNpyHeader()),
                        new ByteArrayInputStream(bytes, header.dataOffset, bytes.length - header.dataOffset));
            }
            decoded = Npy.read(Channels.newChannel(in));
        } catch (RuntimeException e) {
            throw new MediaException(name + ": not a readable .npy file (" + e.getMessage() + ")");
        }
        float[] values = toFloats(decoded, header);
        if (header.fortran && header.shape.length > 1) {
            values = fortranToC(values, header.shape);
        }
        return new NpyArray(name, header.shape, header.dtypeName, values);
    }

    /**
     * Parses and checks the header of the .npy bytes {@code bytes[offset, offset + length)}: magic, version,
     * header length within the bytes present, a supported dtype, a shape whose size fits an int.
     */
    static Header header(String name, byte[] bytes, int offset, int length) {
        if (length == 0) {
            throw new MediaException(name + ": the file is empty");
        }
        if (length < 10 || !startsWithMagic(bytes, offset)) {
            throw new MediaException(name + ": not a .npy file (the NumPy magic string \\x93NUMPY is missing)");
        }
        int major = bytes[offset + 6] & 0xff;
        ByteBuffer buffer = ByteBuffer.wrap(bytes, offset, length).slice().order(ByteOrder.LITTLE_ENDIAN);
        long headerLength;
        int headerStart;
        if (major == 1) {
            headerLength = buffer.getShort(8) & 0xffff;
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            if (length < 12) {
                throw new MediaException(name + ": truncated .npy header");
            }
            headerLength = buffer.getInt(8) & 0xffffffffL;
            headerStart = 12;
        } else {
            throw new MediaException(name + ": unsupported .npy format version " + major);
        }
        if (headerLength > MAX_HEADER_BYTES) {
            throw new MediaException(name + ": the .npy header is " + headerLength + " bytes long; at most "
                    + MAX_HEADER_BYTES + " are accepted");
        }
        if (headerStart + headerLength > length) {
            throw new MediaException(name + ": truncated .npy header");
        }
        String text = new String(bytes, offset + headerStart, (int) headerLength, StandardCharsets.ISO_8859_1);
        Matcher descr = DESCR.matcher(text);
        if (descr.find() && !SUPPORTED.matcher(descr.group(1)).matches()) {
            throw new MediaException(name + ": unsupported dtype '" + descr.group(1) + "'; use uint8, float32 or float64");
        }
        NpyHeaderDict dict;
        try {
            dict = NpyHeader.read(new ByteArrayInputStream(bytes, offset, headerStart + (int) headerLength)).dict();
        } catch (RuntimeException | java.io.IOException e) {
            throw new MediaException(name + ": the .npy header is not readable (" + e.getMessage() + ")");
        }
        String dtypeName = switch (dict.dataType() == null ? "" : dict.dataType().name()) {
            case "u1" -> "uint8";
            case "f4" -> "float32";
            case "f8" -> "float64";
            default -> throw new MediaException(name + ": unsupported dtype '" + dict.dataType()
                    + "'; use uint8, float32 or float64");
        };
        int[] shape = dict.shape() == null ? new int[0] : dict.shape();
        long count = 1;
        for (int dim : shape) {
            if (dim < 0) {
                throw new MediaException(name + ": the .npy header has an invalid shape " + shapeText(shape));
            }
            count = Math.multiplyExact(count, (long) dim);
            if (count > Integer.MAX_VALUE) {
                throw new MediaException(name + ": the declared shape " + shapeText(shape) + " is too large");
            }
        }
        return new Header(shape, dtypeName, dict.dataType(), dict.hasFortranOrder(), headerStart + (int) headerLength, count,
                major, dict);
    }

    /** A checked .npy header: where the data start and how many values of which type follow. */
    record Header(int[] shape, String dtypeName, NpyDataType type, boolean fortran, int dataOffset, long count,
                  int version, NpyHeaderDict dict) {
        long dataBytes() {
            return count * type.size();
        }
    }

    private static float[] toFloats(org.openlca.npy.NpyArray<?> decoded, Header header) {
        float[] out = new float[(int) header.count()];
        switch (header.type()) {
            case u1 -> {
                short[] data = decoded.asShortArray().data();
                for (int i = 0; i < out.length; i++) {
                    out[i] = data[i];
                }
            }
            case f4 -> System.arraycopy(decoded.asFloatArray().data(), 0, out, 0, out.length);
            case f8 -> {
                double[] data = decoded.asDoubleArray().data();
                for (int i = 0; i < out.length; i++) {
                    out[i] = (float) data[i];
                }
            }
            default -> throw new IllegalStateException("unchecked dtype " + header.type());
        }
        return out;
    }

    private static boolean startsWithMagic(byte[] bytes, int offset) {
        for (int i = 0; i < MAGIC.length; i++) {
            if (bytes[offset + i] != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    /** True when {@code bytes} start like a .npy file. */
    public static boolean isNpy(byte[] bytes) {
        return bytes.length >= MAGIC.length && startsWithMagic(bytes, 0);
    }

    /** Reorders column-major values into row-major order. */
    static float[] fortranToC(float[] values, int[] shape) {
        float[] out = new float[values.length];
        int n = shape.length;
        int[] index = new int[n];
        int[] cStrides = new int[n];
        cStrides[n - 1] = 1;
        for (int a = n - 2; a >= 0; a--) {
            cStrides[a] = cStrides[a + 1] * shape[a + 1];
        }
        // Walk the Fortran order (first axis fastest) and place each value at its C position.
        for (int f = 0; f < values.length; f++) {
            int c = 0;
            for (int a = 0; a < n; a++) {
                c += index[a] * cStrides[a];
            }
            out[c] = values[f];
            for (int a = 0; a < n; a++) {
                if (++index[a] < shape[a]) {
                    break;
                }
                index[a] = 0;
            }
        }
        return out;
    }

    public static String shapeText(int[] shape) {
        StringBuilder text = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            text.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        return text.append(shape.length == 1 ? ",)" : ")").toString();
    }
}
