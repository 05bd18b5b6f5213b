package dwiseneuro.serve.faults;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dwiseneuro.serve.ensemble.EnsembleException;
import dwiseneuro.serve.ensemble.Manifest;
import dwiseneuro.serve.ensemble.ManifestReader;
import dwiseneuro.serve.testing.EnsembleCopy;

/**
 * The member-file checks that run before anything is loaded, without starting the service (the
 * @QuarkusTest fault tests cover the same path end to end for a corrupt member).
 */
class MemberFileCheckTest {

    @Test
    void aMissingMemberIsNamed() throws Exception {
        EnsembleCopy copy = EnsembleCopy.ofDemo("missing-member-");
        Files.delete(copy.file(EnsembleCopy.demoMember(1)));
        Manifest manifest = ManifestReader.read(copy.folder(), new ObjectMapper());
        ManifestReader.checkMemberFile(copy.folder(), manifest.members().get(0), true);
        EnsembleException e = assertThrows(EnsembleException.class,
                () -> ManifestReader.checkMemberFile(copy.folder(), manifest.members().get(1), true));
        assertTrue(e.getMessage().contains(EnsembleCopy.demoMember(1)) && e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void aTruncatedMemberIsNamed() throws Exception {
        EnsembleCopy copy = EnsembleCopy.ofDemo("truncated-member-");
        byte[] bytes = Files.readAllBytes(copy.file(EnsembleCopy.demoMember(0)));
        Files.write(copy.file(EnsembleCopy.demoMember(0)), java.util.Arrays.copyOf(bytes, bytes.length / 2));
        Manifest manifest = ManifestReader.read(copy.folder(), new ObjectMapper());
        EnsembleException e = assertThrows(EnsembleException.class,
                () -> ManifestReader.checkMemberFile(copy.folder(), manifest.members().get(0), true));
        assertTrue(e.getMessage().contains(EnsembleCopy.demoMember(0)), e.getMessage());
    }
}
