package dwiseneuro.serve.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dwiseneuro.serve.testing.EnsembleCopy;
import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * Test profiles that serve a copy of the demo ensemble broken in one way, with the log written to a
 * file the test reads. Each profile restarts the application (in the same JVM).
 */
final class BrokenEnsembleProfiles {

    private BrokenEnsembleProfiles() {
    }

    /** Breaks a fresh copy of the demo; {@link #brokenFile()} is the file the log and readiness must name. */
    abstract static class Broken implements QuarkusTestProfile {
        static final Map<Class<?>, Path> LOGS = new HashMap<>();

        abstract void breakIt(EnsembleCopy copy) throws IOException;

        abstract String brokenFile();

        @Override
        public Map<String, String> getConfigOverrides() {
            EnsembleCopy copy = EnsembleCopy.ofDemo("broken-ensemble-");
            try {
                breakIt(copy);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Path log = copy.folder().resolve("service.log");
            LOGS.put(getClass(), log);
            return Map.of(
                    "dwiseneuro.models-dir", copy.folder().toString(),
                    "dwiseneuro.batching.max-batch", "2",
                    "quarkus.log.file.enabled", "true",
                    "quarkus.log.file.path", log.toString());
        }
    }

    /** A member file whose bytes changed (a flipped byte in the middle): its sha256 no longer matches. */
    public static class CorruptMember extends Broken {
        @Override
        void breakIt(EnsembleCopy copy) throws IOException {
            Path member = copy.file(brokenFile());
            byte[] bytes = Files.readAllBytes(member);
            bytes[bytes.length / 2] ^= 0x5a;
            Files.write(member, bytes);
        }

        @Override
        String brokenFile() {
            return EnsembleCopy.demoMember(1);
        }
    }

    /** A member that is not TorchScript at all, listed with its true size and sha256: loading must fail. */
    public static class UnloadableMember extends Broken {
        @Override
        void breakIt(EnsembleCopy copy) throws IOException {
            Files.writeString(copy.file(brokenFile()), "not a TorchScript archive\n");
            copy.replaceMember(1, brokenFile());
        }

        @Override
        String brokenFile() {
            return "garbage-fold_1.pt";
        }
    }

    /** Intact members, but the manifest gives a mouse one neuron more than their readout returns. */
    public static class ManifestMismatch extends Broken {
        @Override
        void breakIt(EnsembleCopy copy) {
            ObjectNode manifest = copy.manifest();
            ObjectNode mouse = (ObjectNode) manifest.get("mice").get(1);
            mouse.put("neurons", mouse.get("neurons").asInt() + 1);
            copy.writeManifest(manifest);
        }

        @Override
        String brokenFile() {
            return EnsembleCopy.demoMember(0); // the first member whose warm-up meets the mismatch
        }
    }

    /**
     * A legacy half-precision member: dtype bfloat16 and no io_dtype, as exported before members took
     * float32. It would take bfloat16 input, which DJL 0.29 cannot pass (the JVM aborts): refused at load.
     */
    public static class LegacyHalfMember extends Broken {
        @Override
        void breakIt(EnsembleCopy copy) {
            ObjectNode manifest = copy.manifest();
            ObjectNode member = (ObjectNode) manifest.get("members").get(2);
            member.put("dtype", "bfloat16");
            member.remove(List.of("io_dtype", "form", "methods"));  // none of the keys of later exports
            copy.writeManifest(manifest);
        }

        @Override
        String brokenFile() {
            return EnsembleCopy.demoMember(2);
        }
    }
}
