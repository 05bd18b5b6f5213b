package dwiseneuro.serve.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Scratch folders of tests, which may have been made read-only on purpose. */
public final class Trees {

    private Trees() {
    }

    /** Deletes {@code root} and everything below it, making read-only parts writable first. */
    public static void deleteAll(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                p.getParent().toFile().setWritable(true);
                p.toFile().setWritable(true);
                Files.deleteIfExists(p);
            }
        }
    }
}
