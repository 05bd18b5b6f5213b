package dwiseneuro.serve.faults;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

@QuarkusTest
@TestProfile(BrokenEnsembleProfiles.CorruptMember.class)
class CorruptMemberTest extends BrokenEnsembleTestBase {
    @Override
    BrokenEnsembleProfiles.Broken profile() {
        return new BrokenEnsembleProfiles.CorruptMember();
    }
}
