package dwiseneuro.serve.media;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the NumPy .npy format (versions 1-3): uint8, float32 and float64 in either byte order,
 * C or Fortran order. The declared shape is checked against the bytes actually present before
 * anything is allocated, so a header that claims a huge array costs nothing.
 */
public final class NpyReader {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private NpyReader() {
    }

    /** Decodes {@code bytes} of the part called {@code name} (used in error messages). */
    public static NpyArray read(String name, byte[] bytes) {
        if (bytes.length == 0) {
            throw new MediaException(name + ": the file is empty");
        }
        if (bytes.length < 10 || !startsWithMagic(bytes)) {
            throw new MediaException(name + ": not a .npy file (the NumPy magic string \\x93NUMPY is missing)");
        }
        int major = bytes[6] & 0xff;
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long headerLength;
        int headerStart;
        if (major == 1) {
            headerLength = buffer.getShort(8) & 0xffff;
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            if (bytes.length < 12) {
                throw new MediaException(name + ": truncated .npy header");
            }
            headerLength = buffer.getInt(8) & 0xffffffffL;
            headerStart = 12;
        } else {
            throw new MediaException(name + ": unsupported .npy format version " + major);
        }
        if (headerStart + headerLength > bytes.length) {
            throw new MediaException(name + ": truncated .npy header");
        }
        String header = new String(bytes, headerStart, (int) headerLength,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        String descr = group(DESCR, header, name, "descr");
        boolean fortran = "True".equals(group(FORTRAN, header, name, "fortran_order"));
        int[] shape = parseShape(group(SHAPE, header, name, "shape"), name);
        Dtype dtype = Dtype.of(descr, name);

        long count = 1;
        for (int dim : shape) {
            count = Math.multiplyExact(count, (long) dim);
            if (count > Integer.MAX_VALUE) {
                throw new MediaException(name + ": the declared shape is too large");
            }
        }
        int dataStart = headerStart + (int) headerLength;
        long expectedBytes = count * dtype.size;
        long available = bytes.length - (long) dataStart;
        if (available < expectedBytes) {
            throw new MediaException(name + ": truncated .npy data: the header declares shape "
                    + shapeText(shape) + " (" + expectedBytes + " bytes) but only " + available + " bytes follow");
        }
        if (available > expectedBytes) {
            throw new MediaException(name + ": " + (available - expectedBytes)
                    + " unexpected bytes after the .npy data of shape " + shapeText(shape));
        }
        ByteBuffer data = ByteBuffer.wrap(bytes, dataStart, (int) expectedBytes).slice().order(dtype.order);
        float[] values = new float[(int) count];
        for (int i = 0; i < values.length; i++) {
            values[i] = dtype.get(data, i);
        }
        if (fortran && shape.length > 1) {
            values = fortranToC(values, shape);
        }
        return new NpyArray(name, shape, dtype.name, values);
    }

    private static boolean startsWithMagic(byte[] bytes) {
        for (int i = 0; i < MAGIC.length; i++) {
            if (bytes[i] != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    private static String group(Pattern pattern, String header, String name, String key) {
        Matcher matcher = pattern.matcher(header);
        if (!matcher.find()) {
            throw new MediaException(name + ": the .npy header has no readable '" + key + "'");
        }
        return matcher.group(1);
    }

    private static int[] parseShape(String text, String name) {
        String trimmed = text.trim();
        if (trimmed.isEmpty()) {
            return new int[0];
        }
        String[] parts = trimmed.split(",");
        int n = parts[parts.length - 1].isBlank() ? parts.length - 1 : parts.length;
        int[] shape = new int[n];
        for (int i = 0; i < n; i++) {
            try {
                long dim = Long.parseLong(parts[i].trim().replace("L", ""));
                if (dim < 0 || dim > Integer.MAX_VALUE) {
                    throw new NumberFormatException();
                }
                shape[i] = (int) dim;
            } catch (NumberFormatException e) {
                throw new MediaException(name + ": the .npy header has an invalid shape (" + text + ")");
            }
        }
        return shape;
    }

    /** Reorders column-major values into row-major order. */
    private static float[] fortranToC(float[] values, int[] shape) {
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

    static String shapeText(int[] shape) {
        StringBuilder text = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            text.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        return text.append(shape.length == 1 ? ",)" : ")").toString();
    }

    /** A supported stored dtype: its kind, item size and byte order. */
    private record Dtype(String name, int size, ByteOrder order) {

        static Dtype of(String descr, String part) {
            if (descr.length() < 2) {
                throw unsupported(descr, part);
            }
            ByteOrder order = descr.charAt(0) == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
            return switch (descr.substring(1)) {
                case "u1" -> new Dtype("uint8", 1, order);
                case "f4" -> new Dtype("float32", 4, order);
                case "f8" -> new Dtype("float64", 8, order);
                default -> throw unsupported(descr, part);
            };
        }

        private static MediaException unsupported(String descr, String part) {
            return new MediaException(part + ": unsupported dtype '" + descr
                    + "'; use uint8, float32 or float64");
        }

        float get(ByteBuffer data, int i) {
            return switch (size) {
                case 1 -> data.get(i) & 0xff;
                case 4 -> data.getFloat(i * 4);
                default -> (float) data.getDouble(i * 8);
            };
        }
    }
}
