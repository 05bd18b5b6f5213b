package dwiseneuro.serve.faults;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import dwiseneuro.serve.testing.ServiceHealth;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * A legacy bfloat16 member (no io_dtype) is refused at load, naming the file (the base test), and
 * saying how to fix it: the JVM never gets to abort on a bfloat16 tensor.
 */
@QuarkusTest
@TestProfile(BrokenEnsembleProfiles.LegacyHalfMember.class)
class LegacyHalfMemberTest extends BrokenEnsembleTestBase {
    @Override
    BrokenEnsembleProfiles.Broken profile() {
        return new BrokenEnsembleProfiles.LegacyHalfMember();
    }

    @Test
    void theRefusalSaysToReexportWithConvert() throws Exception {
        ServiceHealth.Body settled = ServiceHealth.awaitSettled(url.toURI(), Duration.ofMinutes(2));
        System.out.println("readiness: " + settled.text());
        assertTrue(settled.text().contains("a legacy bfloat16 member (no io_dtype in the manifest)"), settled.text());
        assertTrue(settled.text().contains("re-export with `trainer/bin/trainer convert"), settled.text());
    }
}
