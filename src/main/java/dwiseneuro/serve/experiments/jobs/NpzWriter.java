package dwiseneuro.serve.experiments.jobs;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import dwiseneuro.serve.experiments.ExperimentResult;
import dwiseneuro.serve.media.NpyReader;
import dwiseneuro.serve.media.NpyWriter;

/**
 * Writes a result's float32 arrays as a NumPy .npz archive (what numpy.savez_compressed writes: a zip
 * of deflated {@code NAME.npy} entries), streaming: an array is never copied whole into bytes.
 */
final class NpzWriter {

    private NpzWriter() {
    }

    static void write(Map<String, ExperimentResult.Array> arrays, OutputStream out) throws IOException {
        ZipOutputStream zip = new ZipOutputStream(out);
        ByteBuffer buffer = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (Map.Entry<String, ExperimentResult.Array> entry : arrays.entrySet()) {
            ExperimentResult.Array array = entry.getValue();
            long count = 1;
            for (int dim : array.shape()) {
                count *= dim;
            }
            if (count != array.values().length) {
                throw new IllegalArgumentException("array '" + entry.getKey() + "' has " + array.values().length
                        + " values; its shape " + NpyReader.shapeText(array.shape()) + " needs " + count);
            }
            zip.putNextEntry(new ZipEntry(entry.getKey() + ".npy"));
            zip.write(NpyWriter.header(array.shape()));
            float[] values = array.values();
            for (int i = 0; i < values.length; ) {
                int n = Math.min(values.length - i, buffer.capacity() / 4);
                buffer.clear();
                buffer.asFloatBuffer().put(values, i, n);
                zip.write(buffer.array(), 0, n * 4);
                i += n;
            }
            zip.closeEntry();
        }
        zip.finish();
    }
}
