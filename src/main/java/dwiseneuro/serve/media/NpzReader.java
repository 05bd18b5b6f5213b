package dwiseneuro.serve.media;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads a NumPy .npz archive (numpy.savez or numpy.savez_compressed) holding some of the arrays
 * {@code video}, {@code behavior} and {@code pupil_center}.
 *
 * <p>A zip bomb cannot exhaust memory: an entry is inflated only as far as its .npy header declares,
 * after that declared size has been checked against the caller's per-array element limit and against
 * what is left of the total budget (the upload limit); inflating past the declared size is refused,
 * whatever the zip directory claims.
 */
public final class NpzReader {

    /** Most entries an archive may list (three arrays, some slack for directories). */
    static final int MAX_ENTRIES = 16;

    private NpzReader() {
    }

    /** Whether {@code head} (the first bytes of an upload) starts like a zip archive. */
    public static boolean isZip(byte[] head) {
        return head.length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;
    }

    /**
     * The arrays of the archive at {@code file}, by name (without ".npy"), in archive order.
     *
     * @param part         the upload part's name, for messages
     * @param names        the array names allowed; any other entry is refused
     * @param maxElements  the most values each array may declare (413 above)
     * @param maxTotalBytes the most bytes all entries may inflate to together (413 above)
     */
    public static Map<String, NpyArray> read(String part, Path file, Set<String> names,
                                             Map<String, Long> maxElements, long maxTotalBytes) {
        Map<String, NpyArray> arrays = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            long budget = maxTotalBytes;
            int seen = 0;
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry entry = entries.nextElement();
                if (++seen > MAX_ENTRIES) {
                    throw new MediaException(part + ": the .npz archive has more than " + MAX_ENTRIES + " entries");
                }
                if (entry.isDirectory()) {
                    continue;
                }
                String name = entry.getName().endsWith(".npy")
                        ? entry.getName().substring(0, entry.getName().length() - 4) : entry.getName();
                if (!names.contains(name)) {
                    throw new MediaException(part + ": unexpected array '" + entry.getName()
                            + "' in the .npz archive; expected " + String.join(", ", names));
                }
                if (arrays.containsKey(name)) {
                    throw new MediaException(part + ": the .npz archive holds '" + name + "' twice");
                }
                String label = part + "[" + name + "]";
                byte[] bytes = inflate(zip, entry, label, maxElements.getOrDefault(name, Long.MAX_VALUE), budget);
                budget -= bytes.length;
                arrays.put(name, NpyReader.read(label, bytes, maxElements.getOrDefault(name, Long.MAX_VALUE)));
            }
        } catch (ZipException e) {
            throw new MediaException(part + ": not a readable .npz (zip) archive (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw new MediaException(part + ": the .npz archive could not be read (" + e.getMessage() + ")");
        }
        if (arrays.isEmpty()) {
            throw new MediaException(part + ": the .npz archive holds no arrays; expected " + String.join(", ", names));
        }
        return arrays;
    }

    /** Inflates one entry: first its .npy header, then exactly the data bytes the header declares. */
    private static byte[] inflate(ZipFile zip, ZipEntry entry, String label, long maxElements, long budget)
            throws IOException {
        try (InputStream in = zip.getInputStream(entry)) {
            byte[] prefix = in.readNBytes(12);
            int headerBytes = headerLength(prefix, label);
            byte[] head = new byte[headerBytes];
            System.arraycopy(prefix, 0, head, 0, Math.min(prefix.length, headerBytes));
            if (headerBytes > prefix.length) {
                int n = in.readNBytes(head, prefix.length, headerBytes - prefix.length);
                if (n < headerBytes - prefix.length) {
                    throw new MediaException(label + ": truncated .npy header");
                }
            }
            NpyReader.Header header = NpyReader.header(label, head, 0, head.length);
            if (header.count() > maxElements) {
                throw new MediaException(413, label + ": the array has shape " + NpyReader.shapeText(header.shape())
                        + " (" + header.count() + " values); this service accepts at most " + maxElements);
            }
            long total = header.dataOffset() + header.dataBytes();
            if (total > budget) {
                throw new MediaException(413, label + ": the array inflates to " + total
                        + " bytes, more than the " + Math.max(budget, 0) + " bytes left of the upload limit");
            }
            byte[] bytes = new byte[(int) total];
            System.arraycopy(head, 0, bytes, 0, head.length);
            // prefix may hold data bytes past a short header
            if (prefix.length > head.length) {
                System.arraycopy(prefix, head.length, bytes, head.length,
                        (int) Math.min(prefix.length - head.length, total - head.length));
            }
            int filled = Math.max(prefix.length, head.length);
            if (filled < total) {
                int n = in.readNBytes(bytes, filled, (int) total - filled);
                if (n < total - filled) {
                    throw new MediaException(label + ": truncated .npy data: the header declares shape "
                            + NpyReader.shapeText(header.shape()) + " (" + header.dataBytes() + " bytes) but only "
                            + (filled + n - header.dataOffset()) + " bytes follow");
                }
            }
            if (in.read() != -1 || prefix.length > total) {
                throw new MediaException(label + ": unexpected bytes after the .npy data of shape "
                        + NpyReader.shapeText(header.shape()));
            }
            return bytes;
        }
    }

    /** Length of the whole .npy header (magic, version, length field and dictionary). */
    private static int headerLength(byte[] prefix, String label) {
        if (prefix.length < 10 || !NpyReader.isNpy(prefix)) {
            throw new MediaException(label + ": not a .npy file (the NumPy magic string \\x93NUMPY is missing)");
        }
        int major = prefix[6] & 0xff;
        long length;
        if (major == 1) {
            length = 10 + ((prefix[8] & 0xff) | (prefix[9] & 0xff) << 8);
        } else if ((major == 2 || major == 3) && prefix.length >= 12) {
            length = 12 + ((prefix[8] & 0xffL) | (prefix[9] & 0xffL) << 8 | (prefix[10] & 0xffL) << 16 | (prefix[11] & 0xffL) << 24);
        } else {
            throw new MediaException(label + ": unsupported .npy format version " + major);
        }
        if (length > NpyReader.MAX_HEADER_BYTES + 12) {
            throw new MediaException(label + ": the .npy header is " + length + " bytes long; at most "
                    + NpyReader.MAX_HEADER_BYTES + " are accepted");
        }
        return (int) length;
    }
}
