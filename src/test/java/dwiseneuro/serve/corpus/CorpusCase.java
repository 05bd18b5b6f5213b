package dwiseneuro.serve.corpus;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dwiseneuro.serve.testing.Multipart;
import dwiseneuro.serve.testing.NpyBytes;
import dwiseneuro.serve.testing.SampleClip;

/**
 * One case of src/test/resources/bad-inputs/cases.json and the HTTP request it stands for: the valid
 * 31-frame sample clip, changed as the case says (the file's "about" lists the keys).
 */
record CorpusCase(String id, String issue, JsonNode spec) {

    static final String RESOURCE = "/bad-inputs/cases.json";
    static final String[] PARTS = {"video", "behavior", "pupil_center"};
    static final int VALID_FRAMES = 31;

    static List<CorpusCase> load() {
        try (InputStream in = CorpusCase.class.getResourceAsStream(RESOURCE)) {
            JsonNode root = new ObjectMapper().readTree(in);
            List<CorpusCase> cases = new ArrayList<>();
            for (JsonNode node : root.get("cases")) {
                cases.add(new CorpusCase(node.get("id").asText(), node.path("issue").asText(), node));
            }
            return cases;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return id;
    }

    /** What to send. */
    record Request(String method, String pathAndQuery, Map<String, String> headers, byte[] body, boolean chunked) {
    }

    List<Integer> statuses() {
        List<Integer> statuses = new ArrayList<>();
        spec.get("status").forEach(s -> statuses.add(s.asInt()));
        return statuses;
    }

    /** Regular expression the problem's detail must contain (case-insensitive), or null. */
    String detail() {
        return spec.hasNonNull("detail") ? spec.get("detail").asText() : null;
    }

    boolean problemJson() {
        return spec.path("problem_json").asBoolean(true) && !isV2();
    }

    /** A case for the v2 inference protocol, whose errors are {"error": "..."} (application/json). */
    boolean isV2() {
        return spec.path("path").asText("").startsWith("/v2/");
    }

    /** The valid request every case is compared against. */
    static Request valid() {
        return new CorpusCase("valid", "", new ObjectMapper().createObjectNode()).request();
    }

    Request request() {
        String mouse = spec.path("mouse").asText("demo-mouse-1");
        String path = spec.path("path").asText("/v1/mice/" + mouse + "/responses")
                + (spec.hasNonNull("query") ? "?" + spec.get("query").asText() : "");
        Map<String, String> headers = new LinkedHashMap<>();
        if (!isV2()) {
            headers.put("Accept", "application/x-npy");
        }
        byte[] body;
        String contentType;
        if (spec.has("raw_body")) {
            JsonNode raw = spec.get("raw_body");
            contentType = raw.hasNonNull("content_type") ? raw.get("content_type").asText() : null;
            body = raw.has("sample_part") ? SampleClip.part(raw.get("sample_part").asText(), VALID_FRAMES) : content(raw, "body", 0);
        } else if (spec.has("multipart_raw")) {
            String boundary = "corpus-raw-boundary";
            contentType = "multipart/form-data; boundary=" + boundary;
            body = spec.get("multipart_raw").asText().replace("{B}", boundary).getBytes(StandardCharsets.ISO_8859_1);
        } else {
            Multipart multipart = new Multipart();
            int frames = spec.path("frames").asInt(VALID_FRAMES);
            JsonNode parts = spec.path("parts");
            for (String name : PARTS) {
                JsonNode part = parts.path(name);
                if (part.path("omit").asBoolean(false)) {
                    continue;
                }
                addPart(multipart, name, part, frames);
                if (name.equals(spec.path("repeat_part").asText(null))) {
                    addPart(multipart, name, part, frames);
                }
            }
            for (JsonNode extra : spec.path("extra_parts")) {
                addPart(multipart, extra.get("name").asText(), extra, frames);
            }
            for (int i = 0; i < spec.path("many_fields").asInt(0); i++) {
                multipart.field("field" + i, "x");
            }
            body = multipart.build();
            if (spec.has("multipart_truncate")) {
                body = Arrays.copyOf(body, spec.get("multipart_truncate").asInt());
            }
            contentType = spec.has("content_type") ? spec.get("content_type").asText() : multipart.contentType();
        }
        if (contentType != null) {
            headers.put("Content-Type", contentType);
        }
        spec.path("headers").fields().forEachRemaining(h -> headers.put(h.getKey(), h.getValue().asText()));
        return new Request(spec.path("method").asText("POST"), path, headers, body, spec.path("chunked").asBoolean(false));
    }

    private static void addPart(Multipart multipart, String name, JsonNode part, int frames) {
        byte[] content = content(part, name, part.path("frames").asInt(frames));
        if (part.path("field").asBoolean(false)) {
            multipart.field(name, new String(content, StandardCharsets.UTF_8));
        } else {
            multipart.file(name, part.path("filename").asText(name + ".npy"),
                    part.path("content_type").asText("application/octet-stream"), content);
        }
    }

    /** The bytes of one part (or of a raw body). */
    private static byte[] content(JsonNode part, String name, int frames) {
        byte[] bytes;
        if (part.path("empty").asBoolean(false)) {
            bytes = new byte[0];
        } else if (part.has("text")) {
            bytes = part.get("text").asText().getBytes(StandardCharsets.UTF_8);
        } else if (part.has("repeat")) {
            JsonNode repeat = part.get("repeat");
            bytes = (repeat.path("prefix").asText("") + repeat.path("unit").asText().repeat(repeat.path("times").asInt())
                    + repeat.path("suffix").asText("")).getBytes(StandardCharsets.UTF_8);
        } else if (part.has("zip")) {
            bytes = zip(part.get("zip"));
        } else if (part.has("hex")) {
            bytes = HexFormat.of().parseHex(part.get("hex").asText());
        } else if (part.has("zip_bomb")) {
            bytes = zipBomb(part.get("zip_bomb"));
        } else if (part.has("npy") || part.has("nan_frames") || part.has("inf_frames") || part.has("trailing_nan")) {
            bytes = npy(part.path("npy"), part, name, frames);
        } else {
            bytes = SampleClip.part(name, frames);
        }
        if (part.has("truncate")) {
            int n = part.get("truncate").asInt();
            bytes = Arrays.copyOf(bytes, n >= 0 ? n : bytes.length + n);
        }
        if (part.has("append_hex")) {
            bytes = NpyBytes.concat(bytes, HexFormat.of().parseHex(part.get("append_hex").asText()));
        }
        if (part.has("pad_bytes")) {
            bytes = NpyBytes.concat(bytes, new byte[part.get("pad_bytes").asInt()]);
        }
        return bytes;
    }

    /** A .npy file as the case describes it; by default the sample's values as float32 (or the descr's width). */
    private static byte[] npy(JsonNode npy, JsonNode part, String name, int frames) {
        boolean video = name.equals("video");
        String descr = npy.path("descr").asText(video ? "|u1" : "<f4");
        long[] shape = npy.has("shape") ? longs(npy.get("shape"))
                : video ? new long[] {SampleClip.HEIGHT, SampleClip.WIDTH, frames} : new long[] {2, frames};
        int major = npy.path("version").asInt(1);
        byte[] header;
        if (npy.has("header")) {
            header = NpyBytes.header(npy.get("header").asText(), major == 9 ? 1 : major);
        } else {
            header = NpyBytes.header(NpyBytes.dict(descr, shape), major == 9 ? 1 : major);
        }
        if (npy.has("header_length")) {
            ByteBuffer.wrap(header, 8, 4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) npy.get("header_length").asLong());
        }
        if (major == 9) {
            header[6] = 9;
        }
        if (npy.has("magic_hex")) {
            byte[] magic = HexFormat.of().parseHex(npy.get("magic_hex").asText());
            System.arraycopy(magic, 0, header, 0, Math.min(magic.length, 6));
        }
        byte[] data;
        if (npy.has("data_bytes")) {
            data = new byte[npy.get("data_bytes").asInt()];
        } else {
            long count = 1;
            for (long dim : shape) {
                count *= dim;
            }
            data = values(descr, count, npy, part, name, shape);
        }
        return NpyBytes.concat(header, data);
    }

    private static byte[] values(String descr, long count, JsonNode npy, JsonNode part, String name, long[] shape) {
        int size = itemSize(descr);
        ByteBuffer out = ByteBuffer.allocate((int) (count * size)).order(ByteOrder.LITTLE_ENDIAN);
        boolean sampleShaped = shape.length == (name.equals("video") ? 3 : 2)
                && shape[0] == (name.equals("video") ? SampleClip.HEIGHT : 2)
                && (!name.equals("video") || shape[1] == SampleClip.WIDTH);
        if (!descr.endsWith("f4") && !descr.endsWith("f8") && !descr.endsWith("u1")) {
            return out.array(); // zeros of a dtype the service refuses
        }
        int frames = (int) shape[shape.length - 1];
        float[] values;
        if (npy.has("fill")) {
            values = new float[(int) count];
            String fill = npy.get("fill").asText();
            Arrays.fill(values, fill.equals("nan") ? Float.NaN : fill.equals("inf") ? Float.POSITIVE_INFINITY : Float.parseFloat(fill));
        } else if (sampleShaped) {
            values = name.equals("video") ? SampleClip.videoValues(frames) : SampleClip.traceValues(name, frames);
        } else {
            values = new float[(int) count];
        }
        int rows = frames == 0 ? 0 : (int) (count / frames);
        for (JsonNode t : part.path("nan_frames")) {
            setFrame(values, rows, frames, t.asInt(), Float.NaN);
        }
        for (JsonNode t : part.path("inf_frames")) {
            setFrame(values, rows, frames, t.asInt(), Float.POSITIVE_INFINITY);
        }
        for (int k = 0; k < part.path("trailing_nan").asInt(0); k++) {
            setFrame(values, rows, frames, frames - 1 - k, Float.NaN);
        }
        for (float value : values) {
            switch (size) {
                case 1 -> out.put((byte) (int) value);
                case 4 -> out.putFloat(value);
                default -> out.putDouble(value);
            }
        }
        return out.array();
    }

    private static void setFrame(float[] values, int rows, int frames, int t, float value) {
        for (int r = 0; r < rows; r++) {
            values[r * frames + t] = value;
        }
    }

    private static int itemSize(String descr) {
        String digits = descr.replaceAll("[^0-9]", "");
        return digits.isEmpty() ? 8 : Integer.parseInt(digits);
    }

    private static long[] longs(JsonNode array) {
        long[] out = new long[array.size()];
        Iterator<JsonNode> it = array.elements();
        for (int i = 0; it.hasNext(); i++) {
            out[i] = it.next().asLong();
        }
        return out;
    }

    /** A zip of the given entries: name to {"sample_part": NAME, "frames": N} or {"text": ...}. */
    private static byte[] zip(JsonNode entries) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Iterator<Map.Entry<String, JsonNode>> it = entries.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> entry = it.next();
                zip.putNextEntry(new ZipEntry(entry.getKey()));
                JsonNode content = entry.getValue();
                zip.write(content.has("sample_part")
                        ? SampleClip.part(content.get("sample_part").asText(), content.path("frames").asInt(VALID_FRAMES))
                        : content.path("text").asText().getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * A .npz (zip) whose one entry is a .npy of {@code mib} MiB of zeros: a few hundred KiB on the wire,
     * hundreds of MiB once inflated.
     */
    private static byte[] zipBomb(JsonNode spec) {
        long bytes = spec.path("mib").asLong(300) << 20;
        long frames = bytes / (SampleClip.HEIGHT * SampleClip.WIDTH);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.setLevel(9);
            zip.putNextEntry(new ZipEntry(spec.path("entry").asText("video.npy")));
            zip.write(NpyBytes.header(NpyBytes.dict("|u1", SampleClip.HEIGHT, SampleClip.WIDTH, frames), 1));
            writeZeros(zip, frames * SampleClip.HEIGHT * SampleClip.WIDTH);
            zip.closeEntry();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void writeZeros(OutputStream out, long count) throws IOException {
        byte[] zeros = new byte[1 << 20];
        for (long left = count; left > 0; left -= zeros.length) {
            out.write(zeros, 0, (int) Math.min(left, zeros.length));
        }
    }
}
