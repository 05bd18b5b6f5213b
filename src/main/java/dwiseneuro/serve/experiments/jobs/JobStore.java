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

    /** Writes result.json, result.npz, the plots and the files; returns the plots' file names. */
    List<String> writeResult(String id, ExperimentResult result) throws IOException {
        Path folder = folder(id);
        Files.createDirectories(folder);
        write(folder.resolve(RESULT_JSON), out -> json.writerWithDefaultPrettyPrinter().writeValue(out, result.json()));
        write(folder.resolve(RESULT_NPZ), out -> NpzWriter.write(result.arrays() == null ? Map.of() : result.arrays(), out));
        List<String> plots = writeAll(folder.resolve(PLOTS), "plot", result.plots(),
                name -> name.endsWith(".png") ? name : name + ".png");
        writeAll(folder.resolve(FILES), "file", result.files(), name -> name);
        return plots;
    }

    /** Writes each entry under {@code subfolder} as {@code naming(key)}; returns the names written. */
    private List<String> writeAll(Path subfolder, String kind, Map<String, byte[]> contents,
                                  java.util.function.UnaryOperator<String> naming) throws IOException {
        List<String> names = new ArrayList<>();
        if (contents == null || contents.isEmpty()) {
            return names;
        }
        Files.createDirectories(subfolder);
        for (Map.Entry<String, byte[]> entry : contents.entrySet()) {
            String name = naming.apply(entry.getKey());
            if (!SAFE_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException(kind + " name '" + entry.getKey() + "' is not a safe file name");
            }
            write(subfolder.resolve(name), out -> out.write(entry.getValue()));
            names.add(name);
        }
        return names;
    }

    Optional<Path> file(String id, String name) {
        return inResult(id, FILES, name);
    }

    Optional<Path> resultJson(String id) {
        return existing(folder(id).resolve(RESULT_JSON));
    }

    Optional<Path> resultNpz(String id) {
        return existing(folder(id).resolve(RESULT_NPZ));
    }

    Optional<Path> plot(String id, String name) {
        return inResult(id, PLOTS, name);
    }

    /** {@code subfolder/name} of the job's folder, where it exists and the name is a plain file name. */
    private Optional<Path> inResult(String id, String subfolder, String name) {
        if (!SAFE_NAME.matcher(name).matches()) {
            return Optional.empty();
        }
        return existing(folder(id).resolve(subfolder).resolve(name));
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
