package dwiseneuro.serve.api.v2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

import dwiseneuro.serve.media.MediaException;

/**
 * The request framing of the binary tensor data extension on the example of Triton's
 * extension_binary_data.md: two inputs of shape [2, 2] (16 bytes) and [3] (3 bytes), 19 bytes of binary
 * data after the JSON, Inference-Header-Content-Length = the JSON's length. The example's UINT32 and BOOL
 * are datatypes this model does not take; the same byte layout is sent as FP32 and UINT8, and the
 * example's own datatypes are refused with a message that names them.
 */
class BinaryFramingTest {

    static final String EXAMPLE = """
            {
              "model_name" : "mymodel",
              "inputs" : [
                {
                  "name" : "input0",
                  "shape" : [ 2, 2 ],
                  "datatype" : "%s",
                  "parameters" : {
                    "binary_data_size" : 16
                  }
                },
                {
                  "name" : "input1",
                  "shape" : [ 3 ],
                  "datatype" : "%s",
                  "parameters" : {
                    "binary_data_size" : 3
                  }
                }
              ],
              "outputs" : [
                {
                  "name" : "output0",
                  "parameters" : {
                    "binary_data" : true
                  }
                }
              ]
            }""";

    // 1.0, -2.5, 0.0 and 65504 as little-endian IEEE 754 float32 (written out by hand), then three bytes.
    static final byte[] DATA = HexFormat.of().parseHex("0000803f" + "000020c0" + "00000000" + "00e07f47" + "00017f");

    static InferRequest read(String json, byte[] data, long headerLength) {
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        byte[] body = Arrays.copyOf(header, header.length + data.length);
        System.arraycopy(data, 0, body, header.length, data.length);
        return InferRequest.read(new ByteArrayInputStream(body), headerLength, 1000);
    }

    @Test
    void theSpecsExampleLayoutIsReadLittleEndianRowMajorInJsonOrder() {
        String json = EXAMPLE.formatted("FP32", "UINT8");
        InferRequest request = read(json, DATA, json.getBytes(StandardCharsets.UTF_8).length);
        assertEquals(19, DATA.length);
        assertArrayEquals(new int[] {2, 2}, request.inputs().get("input0").shape());
        assertArrayEquals(new float[] {1.0f, -2.5f, 0.0f, 65504f}, request.inputs().get("input0").data());
        assertArrayEquals(new float[] {0f, 1f, 127f}, request.inputs().get("input1").data());
        assertEquals("output0", request.outputs().get(0).name());
        assertTrue(request.binary(request.outputs().get(0)));
    }

    @Test
    void theSpecsOwnDatatypesAreNamedWhenRefused() {
        String json = EXAMPLE.formatted("UINT32", "BOOL");
        MediaException e = assertThrows(MediaException.class, () -> read(json, DATA, json.length()));
        assertTrue(e.getMessage().contains("input 'input0': datatype UINT32 is not supported as binary data"), e.getMessage());
    }

    @Test
    void sizesThatDoNotAddUpAreRefused() {
        String json = EXAMPLE.formatted("FP32", "UINT8");
        int length = json.length();
        assertEquals("input 'input1': the body ends inside its binary data, after 2 of its 3 bytes",
                assertThrows(MediaException.class, () -> read(json, Arrays.copyOf(DATA, 18), length)).getMessage());
        assertTrue(assertThrows(MediaException.class, () -> read(json, Arrays.copyOf(DATA, 20), length)).getMessage()
                .startsWith("1 bytes follow the binary tensor data"));
        assertEquals(BinaryTensors.HEADER + " is " + (length + 40) + " bytes but the body has only " + (length + 19),
                assertThrows(MediaException.class, () -> read(json, DATA, length + 40)).getMessage());
        String fp64 = EXAMPLE.formatted("FP64", "UINT8");
        assertTrue(assertThrows(MediaException.class, () -> read(fp64, DATA, fp64.length())).getMessage()
                .contains("binary_data_size is 16 bytes, but shape [2, 2] of FP64 is 32 bytes"));
    }

    @Test
    void aShapeOverTheLimitIs413BeforeAnythingIsAllocated() {
        String json = EXAMPLE.formatted("FP32", "UINT8").replace("[ 2, 2 ]", "[ 2000000, 2000000, 2000000 ]");
        MediaException e = assertThrows(MediaException.class, () -> read(json, DATA, json.length()));
        assertEquals(413, e.status(), e.getMessage());
    }

    @Test
    void halfPrecisionIsDecoded() {
        // 1.0, -2.0, 65504 (largest half), 2^-24 (smallest subnormal), +Inf
        short[] halves = {0x3c00, (short) 0xc000, 0x7bff, 0x0001, 0x7c00};
        float[] expected = {1f, -2f, 65504f, 0x1p-24f, Float.POSITIVE_INFINITY};
        for (int i = 0; i < halves.length; i++) {
            assertEquals(expected[i], BinaryTensors.halfToFloat(halves[i]), 0f, "half 0x" + Integer.toHexString(halves[i] & 0xffff));
        }
        assertTrue(Float.isNaN(BinaryTensors.halfToFloat((short) 0x7e00)));
    }

    @Test
    void outputsAreLittleEndianFloat32() {
        assertEquals("0000803f000020c0", HexFormat.of().formatHex(BinaryTensors.fp32(new float[] {1.0f, -2.5f})));
    }
}
