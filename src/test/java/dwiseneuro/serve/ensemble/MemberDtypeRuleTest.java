package dwiseneuro.serve.ensemble;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The service sends and receives float32 only: which manifests' members it accepts (ManifestReader,
 * on the demo manifest with one member's dtype and io_dtype changed).
 */
class MemberDtypeRuleTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path folder;

    private Manifest read(String dtype, String ioDtype) throws IOException {
        ObjectNode manifest = (ObjectNode) JSON.readTree(Path.of("models/demo/manifest.json").toFile());
        ObjectNode member = (ObjectNode) manifest.get("members").get(1);
        member.put("dtype", dtype);
        if (ioDtype != null) {
            member.put("io_dtype", ioDtype);
        } else {  // a member as exported before the float32 contract: none of the new keys
            member.remove(java.util.List.of("io_dtype", "form", "methods"));
        }
        Files.writeString(folder.resolve("manifest.json"), JSON.writeValueAsString(manifest));
        return ManifestReader.read(folder, JSON);
    }

    @Test
    void halfPrecisionMembersThatTakeFloat32AreServed() throws IOException {
        for (String dtype : new String[] {"float32", "float16", "bfloat16"}) {
            Manifest.MemberEntry member = read(dtype, "float32").members().get(1);
            assertEquals("float32", member.ioDtype());
            assertEquals(dtype, member.dtype());
        }
        assertEquals(null, read("float32", null).members().get(1).ioDtype(), "a legacy float32 member is served as before");
    }

    @Test
    void legacyHalfPrecisionMembersAreRefusedNamingTheFileAndTheFix() {
        for (String dtype : new String[] {"float16", "bfloat16"}) {
            EnsembleException e = assertThrows(EnsembleException.class, () -> read(dtype, null));
            System.out.println(e.getMessage());
            assertTrue(e.getMessage().startsWith(folder.resolve("demo-fold_4.pt").toString() + ": a legacy " + dtype + " member"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("re-export with `trainer/bin/trainer convert"), e.getMessage());
        }
        EnsembleException other = assertThrows(EnsembleException.class, () -> read("float16", "float16"));
        assertTrue(other.getMessage().contains("io_dtype 'float16'") && other.getMessage().contains("trainer convert"),
                other.getMessage());
    }

    @Test
    void manifestsWithoutTheNewKeysMeanTheOldDefaults() throws IOException {
        Manifest.MemberEntry member = read("float32", null).members().get(1);
        assertEquals(Manifest.MemberEntry.DEFAULT_METHODS, member.exportedMethods());
        assertEquals(null, member.form());
    }

    @Test
    void theBundledDemoRecordsItsFormAndMethods() throws IOException {
        for (Manifest.MemberEntry member : ManifestReader.read(Path.of("models/demo"), JSON).members()) {
            assertEquals("float32", member.ioDtype());
            assertEquals("inference", member.form());
            assertEquals(java.util.List.of("features", "readout", "input_gradient"), member.exportedMethods());
        }
    }
}
