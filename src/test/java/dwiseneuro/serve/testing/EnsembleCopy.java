package dwiseneuro.serve.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.SerializationFeature;

/** A copy of the demo ensemble in a temporary folder, for tests that break or change it. */
public final class EnsembleCopy {

    public static final Path DEMO = Path.of("models/demo");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path folder;

    private EnsembleCopy(Path folder) {
        this.folder = folder;
    }

    /** Copies manifest.json and the member files of models/demo into a new temporary folder. */
    public static EnsembleCopy ofDemo(String prefix) {
        try {
            Path folder = Files.createTempDirectory(prefix);
            Files.copy(DEMO.resolve("manifest.json"), folder.resolve("manifest.json"));
            for (com.fasterxml.jackson.databind.JsonNode member : JSON.readTree(DEMO.resolve("manifest.json").toFile()).get("members")) {
                String name = member.get("file").asText();
                Files.copy(DEMO.resolve(name), folder.resolve(name));
            }
            folder.toFile().deleteOnExit();
            return new EnsembleCopy(folder);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The file name of member {@code index} of the bundled demo ensemble. */
    public static String demoMember(int index) {
        try {
            return JSON.readTree(DEMO.resolve("manifest.json").toFile()).get("members").get(index).get("file").asText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path folder() {
        return folder;
    }

    public Path file(String name) {
        return folder.resolve(name);
    }

    public ObjectNode manifest() {
        try {
            return (ObjectNode) JSON.readTree(folder.resolve("manifest.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void writeManifest(ObjectNode manifest) {
        try {
            JSON.writeValue(folder.resolve("manifest.json").toFile(), manifest);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Points member {@code index} of the manifest at {@code file}, with that file's size and sha256. */
    public void replaceMember(int index, String file) {
        ObjectNode manifest = manifest();
        ObjectNode member = (ObjectNode) manifest.get("members").get(index);
        member.put("file", file);
        member.put("bytes", size(file));
        member.put("sha256", sha256(folder.resolve(file)));
        writeManifest(manifest);
    }

    private long size(String file) {
        try {
            return Files.size(folder.resolve(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String sha256(Path file) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
