package dwiseneuro.serve.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Child processes of tests: the running JVM's java, and runs that end within a time limit. */
public final class ChildProcess {

    /** A finished run: exit status and its output (stderr merged into stdout). */
    public record Result(int status, String output) {
    }

    private ChildProcess() {
    }

    /** The java launcher of the JVM running the tests. */
    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Runs {@code process} to its end; the test fails when it outlives {@code seconds}. */
    public static Result run(ProcessBuilder process, int seconds) throws IOException, InterruptedException {
        Process p = process.redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(seconds, TimeUnit.SECONDS), "timed out: " + process.command());
        return new Result(p.exitValue(), output);
    }

    /** {@link #run}, and the test fails unless the process exits 0; returns its output. */
    public static String succeed(ProcessBuilder process, int seconds) throws IOException, InterruptedException {
        Result result = run(process, seconds);
        assertEquals(0, result.status(), String.join(" ", process.command()) + " failed:\n" + result.output());
        return result.output();
    }
}
