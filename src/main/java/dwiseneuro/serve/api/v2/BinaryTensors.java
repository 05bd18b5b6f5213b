package dwiseneuro.serve.api.v2;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;

import dwiseneuro.serve.media.MediaException;

/**
 * The binary tensor data extension of the Open Inference Protocol (Triton's extension_binary_data.md,
 * KServe's binary tensor data extension): after the JSON object, each binary tensor's values in
 * little-endian byte order, row-major, without stride or padding, in the native size of its datatype, in
 * the order of the tensors in the JSON. {@code Inference-Header-Content-Length} is the JSON's length.
 */
public final class BinaryTensors {

    /** The header that gives the length of the JSON object when binary tensor data follows it. */
    public static final String HEADER = "Inference-Header-Content-Length";
    /** The extension's name in the server metadata. */
    public static final String EXTENSION = "binary_tensor_data";

    /** Bytes per element of the datatypes this service takes (BYTES, BOOL and the integer types it does not). */
    private static final Map<String, Integer> SIZES = Map.of("UINT8", 1, "FP16", 2, "FP32", 4, "FP64", 8);
    private static final int CHUNK = 1 << 16;

    private BinaryTensors() {
    }

    /** Bytes per element of {@code datatype}; 400 for a datatype this service does not take. */
    static int elementSize(String label, String datatype) {
        Integer size = SIZES.get(datatype);
        if (size == null) {
            throw new MediaException(label + ": datatype " + datatype + " is not supported as binary data; use UINT8, FP16, "
                    + "FP32 or FP64" + ("BYTES".equals(datatype) ? " (this model takes numbers, not strings)" : ""));
        }
        return size;
    }

    /**
     * The header's value: null when absent or 0 (the whole body is JSON, as Triton reads it); 400 when it is
     * not a whole number of bytes.
     */
    public static Long headerLength(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        long length;
        try {
            length = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            length = -1;
        }
        if (length < 0) {
            throw new MediaException(HEADER + " must be the length of the JSON object in bytes, got '" + value + "'");
        }
        return length == 0 ? null : length;
    }

    /** Reads {@code count} elements of {@code datatype} (little-endian) from {@code in} as floats. */
    static float[] read(InputStream in, String label, String datatype, int count) throws IOException {
        int size = elementSize(label, datatype);
        float[] out = new float[count];
        byte[] chunk = new byte[Math.min(CHUNK, Math.max(size, count * size))];
        ByteBuffer buffer = ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN);
        int done = 0;
        while (done < count) {
            int elements = Math.min(count - done, chunk.length / size);
            int want = elements * size;
            int got = in.readNBytes(chunk, 0, want);
            if (got < want) {
                throw new MediaException(label + ": the body ends inside its binary data, after "
                        + ((long) done * size + got) + " of its " + ((long) count * size) + " bytes");
            }
            buffer.clear();
            for (int i = 0; i < elements; i++) {
                out[done + i] = switch (datatype) {
                    case "UINT8" -> chunk[i] & 0xff;
                    case "FP16" -> halfToFloat(buffer.getShort(i * 2));
                    case "FP32" -> buffer.getFloat(i * 4);
                    default -> (float) buffer.getDouble(i * 8);
                };
            }
            done += elements;
        }
        return out;
    }

    /** The values as FP32 binary data (little-endian). */
    static byte[] fp32(float[] values) {
        ByteBuffer out = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        out.asFloatBuffer().put(values);
        return out.array();
    }

    /** IEEE 754 half precision to float (Float.float16ToFloat arrived in Java 20). */
    static float halfToFloat(short half) {
        int bits = half & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13)); // Inf, NaN
        }
        if (exponent == 0) {
            float magnitude = mantissa * 0x1p-24f; // zero and subnormals
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }
}
