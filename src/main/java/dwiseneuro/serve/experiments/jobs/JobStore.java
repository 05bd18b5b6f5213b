package dwiseneuro.serve.experiments.jobs;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import dwiseneuro.serve.experiments.ExperimentResult;

/**
 * The results directory, shared by every instance of the service (a ReadWriteMany volume in k8s/): one
 * folder per job, named by its id, holding job.json (the job's record, written by its owner only), and
 * once it is done result.json, result.npz, plots/NAME.png and files/NAME; cancel-requested when another
 * instance was asked to cancel it. Every file is written to a temporary
 * name and moved into place, and job.json says "done" only after the results are in place, so a crash
 * never leaves a done job without its results (a job that was running is marked interrupted when read back).
 */
final class JobStore {

    private static final Logger LOG = Logger.getLogger(JobStore.class);
    /** Job ids and file names the store accepts: no separators, no leading dot. */
    static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
    static final String JOB = "job.json";
    static final String RESULT_JSON = "result.json";
    static final String RESULT_NPZ = "result.npz";
    static final String PLOTS = "plots";
    static final String CANCEL = "cancel-requested";
    static final String FILES = "files";

    private final Path root;
    private final ObjectMapper json;

    JobStore(Path root, ObjectMapper json) {
        this.root = root.toAbsolutePath().normalize();
        this.json = json;
    }

    Path root() {
        return root;
    }

    /** Creates the directory and checks that it is writable; throws with the reason when it is not. */
    void open() throws IOException {
        Files.createDirectories(root);
        Path probe = Files.createTempFile(root, ".probe-", ".tmp");
        Files.delete(probe);
    }

    /** Every job folder's record; unreadable ones are logged and skipped (their folder is left alone). */
    List<JobRecord> load() throws IOException {
        List<JobRecord> records = new ArrayList<>();
        try (DirectoryStream<Path> folders = Files.newDirectoryStream(root, Files::isDirectory)) {
            for (Path folder : folders) {
                Path file = folder.resolve(JOB);
                if (!Files.isRegularFile(file)) {
                    continue;
                }
                try {
                    JobRecord record = json.readValue(file.toFile(), JobRecord.class);
                    if (record.id() == null || !record.id().equals(folder.getFileName().toString()) || record.state() == null) {
                        throw new IOException("the record's id or state does not match its folder");
                    }
                    records.add(record);
                } catch (IOException | RuntimeException e) {
                    LOG.warnf("Skipping the job in %s: %s", folder, e.getMessage());
                }
            }
        }
        return records;
    }

    /** The record of job {@code id}, when its folder has a readable one. */
    Optional<JobRecord> read(String id) {
        if (!SAFE_NAME.matcher(id).matches()) {
            return Optional.empty();
        }
        Path file = folder(id).resolve(JOB);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            JobRecord record = json.readValue(file.toFile(), JobRecord.class);
            return id.equals(record.id()) && record.state() != null ? Optional.of(record) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty(); // being replaced by its owner right now, or damaged: the next read decides
        }
    }

    /** Asks the job's owner (another instance, maybe) to cancel it: a file in its folder that the owner polls. */
    void requestCancel(String id) throws IOException {
        write(folder(id).resolve(CANCEL), out -> out.write(Instant.now().toString().getBytes(StandardCharsets.UTF_8)));
    }

    boolean cancelRequested(String id) {
        return Files.exists(folder(id).resolve(CANCEL));
    }

    void clearCancel(String id) throws IOException {
        Files.deleteIfExists(folder(id).resolve(CANCEL));
    }

    void save(JobRecord record) {
        Path folder = folder(record.id());
        try {
            Files.createDirectories(folder);
            write(folder.resolve(JOB), out -> json.writerWithDefaultPrettyPrinter().writeValue(out, record));
        } catch (IOException e) {
            throw new UncheckedIOException("could not save job " + record.id() + " in " + folder, e);
        }
    }

    /** Writes result.json, result.npz and the plots; returns the plots' file names. */
    List<String> writeResult(String id, ExperimentResult result) throws IOException {
        Path folder = folder(id);
        Files.createDirectories(folder);
        write(folder.resolve(RESULT_JSON), out -> json.writerWithDefaultPrettyPrinter().writeValue(out, result.json()));
        write(folder.resolve(RESULT_NPZ), out -> NpzWriter.write(result.arrays() == null ? Map.of() : result.arrays(), out));
        List<String> names = new ArrayList<>();
        if (result.plots() != null && !result.plots().isEmpty()) {
            Path plots = Files.createDirectories(folder.resolve(PLOTS));
            for (Map.Entry<String, byte[]> plot : result.plots().entrySet()) {
                String name = plot.getKey().endsWith(".png") ? plot.getKey() : plot.getKey() + ".png";
                if (!SAFE_NAME.matcher(name).matches()) {
                    throw new IllegalArgumentException("plot name '" + plot.getKey() + "' is not a safe file name");
                }
                write(plots.resolve(name), out -> out.write(plot.getValue()));
                names.add(name);
            }
        }
        if (result.files() != null && !result.files().isEmpty()) {
            Path files = Files.createDirectories(folder.resolve(FILES));
            for (Map.Entry<String, byte[]> file : result.files().entrySet()) {
                if (!SAFE_NAME.matcher(file.getKey()).matches()) {
                    throw new IllegalArgumentException("file name '" + file.getKey() + "' is not a safe file name");
                }
                write(files.resolve(file.getKey()), out -> out.write(file.getValue()));
            }
        }
        return names;
    }

    Optional<Path> file(String id, String name) {
        if (!SAFE_NAME.matcher(name).matches()) {
            return Optional.empty();
        }
        return existing(folder(id).resolve(FILES).resolve(name));
    }

    Optional<Path> resultJson(String id) {
        return existing(folder(id).resolve(RESULT_JSON));
    }

    Optional<Path> resultNpz(String id) {
        return existing(folder(id).resolve(RESULT_NPZ));
    }

    Optional<Path> plot(String id, String name) {
        if (!SAFE_NAME.matcher(name).matches()) {
            return Optional.empty();
        }
        return existing(folder(id).resolve(PLOTS).resolve(name));
    }

    /** Removes the job's folder and everything in it. */
    void delete(String id) throws IOException {
        Path folder = folder(id);
        if (!Files.exists(folder)) {
            return;
        }
        try (Stream<Path> files = Files.walk(folder)) {
            for (Path path : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    private Path folder(String id) {
        if (!SAFE_NAME.matcher(id).matches()) {
            throw new IllegalArgumentException("not a job id: " + id);
        }
        return root.resolve(id);
    }

    private static Optional<Path> existing(Path path) {
        return Files.isRegularFile(path) ? Optional.of(path) : Optional.empty();
    }

    private interface Writer {
        void write(OutputStream out) throws IOException;
    }

    /** Writes to a temporary file beside {@code target}, then moves it into place. */
    private static void write(Path target, Writer writer) throws IOException {
        Path temporary = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(temporary)) {
                writer.write(out);
            }
            try {
                Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temporary);
        }
    }
}
