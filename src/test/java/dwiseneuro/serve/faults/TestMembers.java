package dwiseneuro.serve.faults;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Members made at test time by the scripts in src/test/python, run with the trainer's Python
 * (TRAINER_PYTHON, default /usr/bin/python3, which needs torch).
 */
final class TestMembers {

    private TestMembers() {
    }

    /** Runs src/test/python/{@code script} with {@code args}; fails the test profile when it fails. */
    static void make(String script, String... args) {
        String python = System.getenv().getOrDefault("TRAINER_PYTHON", "/usr/bin/python3");
        Path path = Path.of("src/test/python", script).toAbsolutePath();
        List<String> command = new ArrayList<>(List.of(python, path.toString()));
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes());
            if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("could not make a test member: " + String.join(" ", command)
                        + " (it needs torch: apt-get install python3-torch, or set TRAINER_PYTHON):\n" + output);
            }
        } catch (IOException e) {
            throw new IllegalStateException("could not run " + python + " (set TRAINER_PYTHON to a Python with torch)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
