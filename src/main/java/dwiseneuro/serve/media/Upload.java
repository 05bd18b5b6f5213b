package dwiseneuro.serve.media;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** One uploaded file: the form part's name, where it lies, and what the client said it is. */
public record Upload(String part, Path file, String fileName, String contentType) {

    /** The first {@code n} bytes (fewer for a shorter file), to tell the formats apart by content. */
    public byte[] head(int n) {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(n);
        } catch (IOException e) {
            throw new MediaException(part + ": the upload could not be read (" + e.getMessage() + ")");
        }
    }

    public long size() {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new MediaException(part + ": the upload could not be read (" + e.getMessage() + ")");
        }
    }

    public byte[] bytes() {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new MediaException(part + ": the upload could not be read (" + e.getMessage() + ")");
        }
    }

    /** Whether the client labelled the part as JSON (content type or a .json file name). */
    public boolean saysJson() {
        String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
        String name = fileName == null ? "" : fileName.toLowerCase(Locale.ROOT);
        return type.startsWith("application/json") || type.endsWith("+json") || name.endsWith(".json");
    }
}
