package dwiseneuro.serve.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Builds multipart/form-data bodies byte by byte, so that tests can also build broken ones. */
public final class Multipart {

    private final String boundary;
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();

    public Multipart() {
        this("dwiseneuro-test-boundary-7d1c3a");
    }

    public Multipart(String boundary) {
        this.boundary = boundary;
    }

    public String contentType() {
        return "multipart/form-data; boundary=" + boundary;
    }

    /** A file part (a filename in its Content-Disposition). */
    public Multipart file(String name, String filename, String contentType, byte[] content) {
        return part("Content-Disposition: form-data; name=\"" + name + "\"; filename=\"" + filename + "\"\r\n"
                + "Content-Type: " + contentType + "\r\n", content);
    }

    /** A text field (no filename). */
    public Multipart field(String name, String value) {
        return part("Content-Disposition: form-data; name=\"" + name + "\"\r\n",
                value.getBytes(StandardCharsets.UTF_8));
    }

    /** A part with the given header lines (each ending in CRLF), written as is. */
    public Multipart part(String headers, byte[] content) {
        ascii("--" + boundary + "\r\n" + headers + "\r\n");
        body.writeBytes(content);
        ascii("\r\n");
        return this;
    }

    /** The body with its closing boundary. */
    public byte[] build() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(body.toByteArray());
        out.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    private void ascii(String text) {
        body.writeBytes(text.getBytes(StandardCharsets.ISO_8859_1));
    }
}
