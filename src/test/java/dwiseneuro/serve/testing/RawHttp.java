package dwiseneuro.serve.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A minimal HTTP/1.1 client over a socket, one request per connection. Unlike java.net.http it sends
 * exactly the bytes it is given (any Content-Type, chunked or not) and reads the response while the
 * body is still being written, so that a server that answers before reading the whole body (413 for a
 * body over the limit) is seen as it answers rather than as a broken connection.
 */
public final class RawHttp {

    private RawHttp() {
    }

    /** Status, headers (names in lower case) and body of a response. */
    public record Response(int status, Map<String, String> headers, byte[] body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    public static Response exchange(URI base, String method, String pathAndQuery, Map<String, String> headers,
                                    byte[] body, boolean chunked, Duration timeout) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), 5_000);
            socket.setSoTimeout((int) timeout.toMillis());
            StringBuilder head = new StringBuilder(method).append(' ').append(pathAndQuery).append(" HTTP/1.1\r\n")
                    .append("Host: ").append(base.getHost()).append(':').append(base.getPort()).append("\r\n")
                    .append("Connection: close\r\n");
            headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
            boolean expect = body != null && body.length > 64 * 1024;
            if (body != null) {
                head.append(chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + body.length + "\r\n");
            }
            if (expect) {
                head.append("Expect: 100-continue\r\n");
            }
            head.append("\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            if (expect) {
                // Like curl: wait a moment for 100 Continue, or for a final answer that makes the body moot.
                socket.setSoTimeout(3_000);
                Response first = null;
                try {
                    first = readOne(in);
                } catch (SocketTimeoutException e) {
                    // no answer: send the body anyway (RFC 9110, 10.1.1)
                }
                socket.setSoTimeout((int) timeout.toMillis());
                if (first != null && first.status() / 100 != 1) {
                    return first;
                }
            }
            Thread writer = null;
            if (body != null) {
                writer = new Thread(() -> writeBody(out, body, chunked), "raw-http-body");
                writer.setDaemon(true);
                writer.start();
            }
            Response response = read(in);
            if (writer != null) {
                writer.join(timeout.toMillis());
            }
            return response;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private static void writeBody(OutputStream out, byte[] body, boolean chunked) {
        try {
            int step = 64 * 1024;
            for (int offset = 0; offset < body.length; offset += step) {
                int n = Math.min(step, body.length - offset);
                if (chunked) {
                    out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                }
                out.write(body, offset, n);
                if (chunked) {
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                }
            }
            if (chunked) {
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.flush();
        } catch (IOException e) {
            // The server answered and closed before reading everything: the response tells why.
        }
    }

    private static Response read(InputStream in) throws IOException {
        Response response;
        do {
            response = readOne(in);
        } while (response.status() / 100 == 1); // 100 Continue: the final response follows
        return response;
    }

    private static Response readOne(InputStream in) throws IOException {
        String statusLine = line(in);
        if (statusLine == null) {
            throw new IOException("connection closed before a response");
        }
        String[] status = statusLine.split(" ", 3);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line = line(in); line != null && !line.isEmpty(); line = line(in)) {
            int colon = line.indexOf(':');
            headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        int code = Integer.parseInt(status[1]);
        return new Response(code, headers, code / 100 == 1 ? new byte[0] : body(in, headers));
    }

    private static byte[] body(InputStream in, Map<String, String> headers) throws IOException {
        if (headers.containsKey("content-length")) {
            return in.readNBytes(Integer.parseInt(headers.get("content-length")));
        }
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (int size = Integer.parseInt(line(in).split(";")[0].trim(), 16); size > 0;
                 size = Integer.parseInt(line(in).split(";")[0].trim(), 16)) {
                out.writeBytes(in.readNBytes(size));
                line(in);
            }
            for (String trailer = line(in); trailer != null && !trailer.isEmpty(); trailer = line(in)) {
                // trailers are ignored
            }
            return out.toByteArray();
        }
        return in.readAllBytes();
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != -1; b = in.read()) {
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
    }
}
