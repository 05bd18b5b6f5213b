package dwiseneuro.serve.ensemble;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.openlca.npy.Npy;
import org.openlca.npy.NpyArray;

/** Reads and checks an ensemble folder's manifest and member files before anything is loaded. */
public final class ManifestReader {

    public static final String MANIFEST = "manifest.json";

    private ManifestReader() {
    }

    public static Manifest read(Path folder, ObjectMapper json) {
        Path path = folder.resolve(MANIFEST);
        if (!Files.isRegularFile(path)) {
            throw new EnsembleException(path + ": manifest not found (dwiseneuro.models-dir must be an ensemble folder)");
        }
        Manifest manifest;
        try {
            manifest = json.readValue(path.toFile(), Manifest.class);
        } catch (IOException e) {
            throw new EnsembleException(path + ": unreadable manifest (" + e.getMessage() + ")", e);
        }
        check(manifest, path);
        return withPerFrameStd(manifest, folder);
    }

    /** The manifest with each mouse's {@code response_std_file} read and checked: float32-readable (neurons, frames). */
    private static Manifest withPerFrameStd(Manifest manifest, Path folder) {
        if (manifest.mice().stream().allMatch(m -> m.responseStdFile() == null)) {
            return manifest;
        }
        List<Manifest.Mouse> mice = new ArrayList<>();
        for (Manifest.Mouse mouse : manifest.mice()) {
            String name = mouse.responseStdFile();
            if (name == null) {
                mice.add(mouse);
                continue;
            }
            Path file = folder.resolve(name);
            if (!plainName(name) || !Files.isRegularFile(file)) {
                throw new EnsembleException(file + ": mouse " + mouse.id() + ": 'response_std_file' must name a .npy file "
                        + "in the ensemble folder");
            }
            NpyArray<?> std;
            try {
                std = Npy.read(file.toFile());
            } catch (RuntimeException e) {
                throw new EnsembleException(file + ": mouse " + mouse.id() + ": unreadable response std (" + e.getMessage() + ")");
            }
            int[] shape = std.shape();
            if (!std.isFloatArray() || !std.hasRowOrder() || shape.length != 2 || shape[0] != mouse.neurons() || shape[1] < 1) {
                throw new EnsembleException(file + ": mouse " + mouse.id() + ": the per-frame response std must be float32 "
                        + "(C order) of shape (" + mouse.neurons() + ", frames), got " + std.dataType() + " "
                        + Arrays.toString(shape));
            }
            float[] values = std.asFloatArray().data();
            for (float v : values) {
                if (v < 0 || Float.isInfinite(v)) {
                    throw new EnsembleException(file + ": mouse " + mouse.id() + ": a response std of " + v);
                }
            }
            mice.add(mouse.withResponseStdFrames(new Manifest.PerFrameStd(shape[0], shape[1], values)));
        }
        return manifest.withMice(mice);
    }

    private static boolean plainName(String name) {
        return !name.isBlank() && !name.contains("/") && !name.contains("\\") && !name.equals("..") && !name.equals(".");
    }

    private static void check(Manifest manifest, Path path) {
        if (!Manifest.FORMAT.equals(manifest.format()) || manifest.version() != Manifest.VERSION) {
            throw new EnsembleException(path + ": not a " + Manifest.FORMAT + " manifest of version " + Manifest.VERSION);
        }
        if (manifest.input() == null || manifest.frameStack() == null) {
            throw new EnsembleException(path + ": 'input' or 'frame_stack' missing");
        }
        if (manifest.mice() == null || manifest.mice().isEmpty()) {
            throw new EnsembleException(path + ": no mice");
        }
        if (manifest.members() == null || manifest.members().isEmpty()) {
            throw new EnsembleException(path + ": no members");
        }
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < manifest.mice().size(); i++) {
            Manifest.Mouse mouse = manifest.mice().get(i);
            if (mouse.id() == null || !ids.add(mouse.id()) || mouse.index() != i || mouse.neurons() <= 0) {
                throw new EnsembleException(path + ": mouse entry " + i + " needs a unique id, index " + i
                        + " and a positive neuron count");
            }
            if (mouse.unitIds() != null && !mouse.unitIds().isEmpty() && mouse.unitIds().size() != mouse.neurons()) {
                throw new EnsembleException(path + ": mouse " + mouse.id() + " lists " + mouse.unitIds().size()
                        + " unit ids for " + mouse.neurons() + " neurons");
            }
            checkStatistic(path, mouse, "behavior_mean", mouse.behaviorMean(), 2);
            checkStatistic(path, mouse, "pupil_center_mean", mouse.pupilCenterMean(), 2);
            checkStatistic(path, mouse, "response_std", mouse.responseStd(), mouse.neurons());
            if (mouse.videoMean() != null && !(mouse.videoMean() >= 0 && mouse.videoMean() <= 255)) {
                throw new EnsembleException(path + ": mouse " + mouse.id() + ": 'video_mean' must be a luminance in 0..255, got "
                        + mouse.videoMean());
            }
        }
        checkDisplay(manifest.display(), path);
        for (Manifest.MemberEntry member : manifest.members()) {
            if (member.file() == null || member.file().contains("/") || member.file().contains("\\")) {
                throw new EnsembleException(path + ": member file names must be plain names in the folder: " + member.file());
            }
            checkIoDtype(path.getParent(), member);
        }
        try {
            manifest.frameStack().plan();
        } catch (IllegalArgumentException e) {
            throw new EnsembleException(path + ": " + e.getMessage());
        }
    }

    /**
     * The service sends and receives float32 only: any cast belongs inside the member's TorchScript. A
     * legacy half-precision member (no io_dtype) takes its compute type, which the service cannot pass
     * (DJL 0.29 has no bfloat16 and aborts the JVM on it), so it is refused here, before anything loads.
     */
    private static void checkIoDtype(Path folder, Manifest.MemberEntry member) {
        String dtype = member.dtype() == null ? "float32" : member.dtype();
        member.dataType(); // a known compute type
        String reexport = "; re-export with `trainer/bin/trainer convert MODELS_DIR --out NEW_DIR`, which writes members "
                + "that take and return float32 whatever their compute dtype";
        if (member.ioDtype() != null && !member.ioDtype().equals("float32")) {
            throw new EnsembleException(folder.resolve(member.file()) + ": io_dtype '" + member.ioDtype()
                    + "': the service sends and receives float32 only" + reexport);
        }
        if (member.ioDtype() == null && !dtype.equals("float32")) {
            throw new EnsembleException(folder.resolve(member.file()) + ": a legacy " + dtype + " member (no io_dtype "
                    + "in the manifest) takes " + dtype + " input, and the service sends float32 only" + reexport);
        }
    }

    /** The optional display block needs a positive, finite screen size and eye distance. */
    private static void checkDisplay(Manifest.Display display, Path path) {
        if (display == null) {
            return;
        }
        double[] values = {display.screenWidthCm(), display.screenHeightCm(), display.distanceCm()};
        for (double value : values) {
            if (!(value > 0) || !Double.isFinite(value)) {
                throw new EnsembleException(path + ": 'display' needs positive screen_width_cm, screen_height_cm and "
                        + "distance_cm, got " + display);
            }
        }
    }

    /** An optional per-mouse statistic must have {@code size} finite values when present. */
    private static void checkStatistic(Path path, Manifest.Mouse mouse, String key, List<Double> values, int size) {
        if (values == null) {
            return;
        }
        if (values.size() != size || values.stream().anyMatch(v -> v == null || !Double.isFinite(v))) {
            throw new EnsembleException(path + ": mouse " + mouse.id() + ": '" + key + "' must hold " + size
                    + " finite numbers, got " + values.size());
        }
    }

    /** Fails, naming the file, when a member is missing or differs from the manifest's size or sha256. */
    public static void checkMemberFile(Path folder, Manifest.MemberEntry member, boolean verifyChecksum) {
        Path file = folder.resolve(member.file());
        if (!Files.isRegularFile(file)) {
            throw new EnsembleException(file + ": member file listed in the manifest is missing");
        }
        try {
            if (member.bytes() != null && Files.size(file) != member.bytes()) {
                throw new EnsembleException(file + ": " + Files.size(file) + " bytes, the manifest says "
                        + member.bytes() + " (truncated or replaced file)");
            }
            if (verifyChecksum && member.sha256() != null && !member.sha256().equalsIgnoreCase(sha256(file))) {
                throw new EnsembleException(file + ": sha256 differs from the manifest (corrupt or replaced file)");
            }
        } catch (IOException e) {
            throw new EnsembleException(file + ": unreadable (" + e.getMessage() + ")", e);
        }
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 20];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
