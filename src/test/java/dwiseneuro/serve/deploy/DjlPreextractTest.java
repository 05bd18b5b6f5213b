package dwiseneuro.serve.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dwiseneuro.serve.testing.ChildProcess;
import dwiseneuro.serve.testing.Trees;

/**
 * deploy/DjlPreextract.java, as Dockerfile.jvm runs it, on the service's real DJL jars (the CPU
 * libtorch of the test classpath; the image uses the CUDA one, same layout): it extracts libtorch
 * into a DJL cache and slims the native jar; then a separate JVM, with the slim jar, the cache
 * read-only and, when this runs as root, as the unprivileged user nobody (like the container's
 * non-root user on a read-only root filesystem), starts DJL's PyTorch engine from that cache,
 * offline, runs an operation, and writes nothing into the cache.
 */
class DjlPreextractTest {

    static Path work;

    @BeforeAll
    static void setUp() throws IOException {
        // Under /tmp with rwx for all, so that "nobody" can reach it (the build tree may be private).
        work = Files.createTempDirectory("djl-preextract");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterAll
    static void tearDown() throws IOException {
        if (work != null) {
            Trees.deleteAll(work);
        }
    }

    static Path jarOf(String resource) throws URISyntaxException {
        URL url = Thread.currentThread().getContextClassLoader().getResource(resource);
        if (url == null) {
            throw new AssertionError("no " + resource + " on the test classpath");
        }
        String s = url.toString();
        return Path.of(new java.net.URI(s.substring("jar:".length(), s.indexOf("!/"))));
    }

    static Path jarOfClass(String className) throws Exception {
        return Path.of(Class.forName(className, false, DjlPreextractTest.class.getClassLoader())
                .getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    @Test
    void djlLoadsFromThePreextractedReadOnlyCacheAsNonRoot() throws Exception {
        Path lib = Files.createDirectories(work.resolve("lib"));
        List<Path> jars = List.of(jarOf("native/lib/pytorch.properties"), jarOf("jnilib/pytorch.properties"),
                jarOf("pytorch-engine.properties"), jarOfClass("ai.djl.engine.Engine"), jarOfClass("com.sun.jna.Native"),
                jarOfClass("com.google.gson.Gson"), jarOfClass("org.slf4j.LoggerFactory"),
                jarOfClass("org.apache.commons.compress.archivers.ArchiveEntry"));
        for (Path jar : jars) {
            Files.copy(jar, lib.resolve(jar.getFileName()));
        }
        Path nativeJar = lib.resolve(jars.get(0).getFileName());
        long before = Files.size(nativeJar);
        Path cache = work.resolve("cache");

        String out = exec(List.of(ChildProcess.java(), Kustomize.ROOT.resolve("deploy/DjlPreextract.java").toString(), "--lib-dir", lib.toString(),
                "--cache", cache.toString(), "--slim"), List.of(), 300);
        assertTrue(out.contains("extracted"), out);

        // The layout DJL 0.29 looks for: pytorch/VERSION-FLAVOR-CLASSIFIER/{libs, DJLVERSION-libdjl_torch.so}.
        List<Path> dirs;
        try (Stream<Path> s = Files.list(cache.resolve("pytorch"))) {
            dirs = s.toList();
        }
        assertEquals(1, dirs.size(), "one libtorch folder: " + dirs);
        Path dir = dirs.get(0);
        assertTrue(dir.getFileName().toString().matches("2\\.3\\.1-\\d{8}-(cpu|cu121)-linux-x86_64"), dir.toString());
        assertTrue(Files.exists(dir.resolve("libtorch.so")));
        assertTrue(Files.exists(dir.resolve("0.29.0-libdjl_torch.so")));
        try (ZipFile slim = new ZipFile(nativeJar.toFile())) {
            assertTrue(slim.stream().noneMatch(e -> e.getName().startsWith("pytorch/")), "libraries left in the slim jar");
            assertTrue(slim.getEntry("native/lib/pytorch.properties") != null, "DJL reads the platform from this");
        }
        assertTrue(Files.size(nativeJar) < before / 1000, "the native jar was not slimmed");

        // A second run refuses to overwrite (an image build must not mix two libtorch builds).
        assertTrue(execStatus(List.of(ChildProcess.java(), Kustomize.ROOT.resolve("deploy/DjlPreextract.java").toString(), "--lib-dir",
                lib.toString(), "--cache", cache.toString()), 300) != 0, "overwrote an existing cache");

        // The probe class, where the unprivileged user can read it.
        Path classes = Files.createDirectories(work.resolve("classes/dwiseneuro/serve/deploy"));
        Path probeClass = Path.of(DjlEngineProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .resolve("dwiseneuro/serve/deploy/DjlEngineProbe.class");
        Files.copy(probeClass, classes.resolve("DjlEngineProbe.class"));
        Path tmp = Files.createDirectories(work.resolve("tmp"));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));
        makeReadableByAll(work);
        makeReadOnly(cache);
        List<String> snapshot = snapshot(cache);

        List<String> cmd = new ArrayList<>();
        boolean root = "root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/usr/bin/setpriv"));
        if (root) {
            cmd.addAll(List.of("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"));
        }
        cmd.addAll(List.of(ChildProcess.java(), "-Djava.io.tmpdir=" + tmp, "-Dai.djl.offline=true", "-cp",
                work.resolve("classes") + ":" + lib + "/*", DjlEngineProbe.class.getName()));
        String probe = exec(cmd, List.of("DJL_CACHE_DIR=" + cache, "HOME=/nonexistent"), 120);
        assertTrue(probe.contains("engine PyTorch 2.3.1"), probe);
        assertTrue(probe.contains("libtorch " + dir.toAbsolutePath()), "libtorch not loaded from the cache: " + probe);
        assertTrue(probe.contains("sum 6.0"), probe);
        if (root) {
            assertTrue(probe.contains("user nobody"), probe);
        }
        assertEquals(snapshot, snapshot(cache), "the engine wrote into the cache");
    }

    private static String exec(List<String> cmd, List<String> env, int seconds) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (!env.isEmpty()) {
            pb.environment().clear();
            pb.environment().put("PATH", "/usr/bin:/bin");
            for (String kv : env) {
                pb.environment().put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
            }
        }
        return ChildProcess.succeed(pb, seconds);
    }

    private static int execStatus(List<String> cmd, int seconds) throws Exception {
        return ChildProcess.run(new ProcessBuilder(cmd), seconds).status();
    }

    private static void makeReadableByAll(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.toList()) {
                if (Files.isDirectory(p)) {
                    p.toFile().setExecutable(true, false);
                }
                p.toFile().setReadable(true, false);
            }
        }
    }

    private static void makeReadOnly(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.toList()) {
                assertTrue(p.toFile().setWritable(false, false), "cannot make " + p + " read-only");
            }
        }
    }

    private static List<String> snapshot(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.map(p -> {
                try {
                    return root.relativize(p) + " " + (Files.isDirectory(p) ? "d" : Files.size(p)) + " "
                            + Files.getLastModifiedTime(p).toMillis();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).sorted().toList();
        }
    }

    @Test
    void refusesALibDirWithoutLibtorch() throws Exception {
        Path empty = Files.createDirectories(work.resolve("empty"));
        ChildProcess.Result result = ChildProcess.run(new ProcessBuilder(ChildProcess.java(),
                Kustomize.ROOT.resolve("deploy/DjlPreextract.java").toString(), "--lib-dir", empty.toString(),
                "--cache", work.resolve("c2").toString()), 300);
        String out = result.output();
        assertEquals(1, result.status(), out);
        assertTrue(out.contains("expected exactly one jar with native/lib/pytorch.properties"), out);
        assertFalse(Files.exists(work.resolve("c2/pytorch")));
    }
}
