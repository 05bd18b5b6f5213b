package dwiseneuro.serve.media;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/**
 * Debian's ffmpeg command line, the reference the decoder is tested against (installed by
 * .ci/install-deps (.ci/packages.d/media.txt)). Without it the tests are skipped on a developer's machine, and fail in CI.
 */
public final class Ffmpeg {

    private Ffmpeg() {
    }

    public static void require() {
        boolean present = Files.isExecutable(Path.of("/usr/bin/ffmpeg"));
        if (!present && System.getenv("CI") != null) {
            throw new AssertionError("ffmpeg is not installed; .ci/install-deps (.ci/packages.d/media.txt) installs it");
        }
        Assumptions.assumeTrue(present, "Debian's ffmpeg is not installed (apt-get install ffmpeg, or run "
                + ".ci/install-deps (.ci/packages.d/media.txt)): skipping the tests that compare against it");
    }

    /** Runs ffmpeg with {@code args} and returns its standard output; fails on a non-zero exit. */
    public static byte[] run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.PIPE).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread errors = new Thread(() -> copy(process.getErrorStream(), err));
        errors.start();
        copy(process.getInputStream(), out);
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("ffmpeg timed out: " + command);
        }
        errors.join();
        if (process.exitValue() != 0) {
            throw new AssertionError("ffmpeg failed (" + process.exitValue() + "): " + command + "\n" + err);
        }
        return out.toByteArray();
    }

    /** The frames of {@code file} as {@code ffmpeg -pix_fmt gray} decodes them, each width x height bytes. */
    public static List<byte[]> grayFrames(Path file, int width, int height, String... filters)
            throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("-i", file.toString()));
        if (filters.length > 0) {
            args.addAll(List.of("-vf", String.join(",", filters)));
        } else {
            args.addAll(List.of("-fps_mode", "passthrough"));
        }
        args.addAll(List.of("-f", "rawvideo", "-pix_fmt", "gray", "-"));
        byte[] raw = run(args.toArray(String[]::new));
        int size = width * height;
        if (raw.length % size != 0) {
            throw new AssertionError(raw.length + " bytes of gray frames are not a multiple of " + size);
        }
        List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < raw.length; i += size) {
            frames.add(java.util.Arrays.copyOfRange(raw, i, i + size));
        }
        return frames;
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        try (in) {
            in.transferTo(out);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
