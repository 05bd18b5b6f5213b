/*
 * Pre-extracts DJL's PyTorch native libraries into DJL_CACHE_DIR at image build time, in the exact
 * layout DJL 0.29 looks for at run time, so that a pod neither unpacks ~4 GB of CUDA libraries at
 * every start nor needs a writable cache (the root filesystem is read-only).
 *
 *   java deploy/DjlPreextract.java --lib-dir target/quarkus-app/lib/main --cache /opt/djl-cache [--slim]
 *
 * It finds, among the jars of --lib-dir, the pytorch-native-* jar (native/lib/pytorch.properties),
 * the pytorch-jni jar (jnilib/pytorch.properties) and the pytorch-engine jar
 * (pytorch-engine.properties), and writes
 *
 *   CACHE/pytorch/VERSION-FLAVOR-CLASSIFIER/LIB            for every LIB listed in pytorch.properties
 *   CACHE/pytorch/VERSION-FLAVOR-CLASSIFIER/DJL-libdjl_torch.so
 *
 * which is where ai.djl.pytorch.jni.LibUtils (copyNativeLibraryFromClasspath, findJniLibrary) finds
 * them before it would extract anything. With --slim the libraries are then removed from the native
 * jar (native/lib/pytorch.properties stays: DJL reads the platform from it), which takes 2.5 GB out
 * of the CUDA image. Runs with the JDK's source launcher, no dependencies. Tested by
 * src/test/java/dwiseneuro/serve/deploy/DjlPreextractTest.java (DJL then loads from the result as a
 * non-root user, with the cache read-only).
 */

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Properties;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

public class DjlPreextract {

    private static final String NATIVE_PROPS = "native/lib/pytorch.properties";
    private static final String JNI_PROPS = "jnilib/pytorch.properties";
    private static final String ENGINE_PROPS = "pytorch-engine.properties";
    private static final String JNI_LIB = "libdjl_torch.so";

    public static void main(String[] args) throws IOException {
        Path libDir = null;
        Path cache = null;
        boolean slim = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--lib-dir" -> libDir = Path.of(args[++i]);
                case "--cache" -> cache = Path.of(args[++i]);
                case "--slim" -> slim = true;
                default -> fail("unknown argument " + args[i]
                        + "\nusage: java DjlPreextract.java --lib-dir DIR --cache DIR [--slim]");
            }
        }
        if (libDir == null || cache == null) {
            fail("usage: java DjlPreextract.java --lib-dir DIR --cache DIR [--slim]");
        }
        Path nativeJar = findJar(libDir, NATIVE_PROPS);
        Path jniJar = findJar(libDir, JNI_PROPS);
        Path engineJar = findJar(libDir, ENGINE_PROPS);

        Properties engine = readProps(engineJar, ENGINE_PROPS);
        String djlVersion = required(engine, "djl_version", engineJar);
        Properties nat = readProps(nativeJar, NATIVE_PROPS);
        String version = required(nat, "version", nativeJar); // e.g. 2.3.1-20240621
        String flavor = required(nat, "flavor", nativeJar); // cpu, cu121
        String classifier = required(nat, "classifier", nativeJar); // linux-x86_64
        String[] libraries = required(nat, "libraries", nativeJar).split(",");
        if (nat.getProperty("placeholder") != null) {
            fail(nativeJar + " is a placeholder jar without libraries");
        }
        Properties jni = readProps(jniJar, JNI_PROPS);
        String jniVersion = required(jni, "jni_version", jniJar); // e.g. 2.3.1-0.29.0
        String shortVersion = version.replaceFirst("^(\\d+\\.\\d+\\.\\d+).*$", "$1");
        // DJL downloads another JNI library when this does not hold (LibUtils.findJniLibrary).
        if (!jniVersion.startsWith(shortVersion + '-' + djlVersion)) {
            fail("JNI " + jniVersion + " does not match PyTorch " + shortVersion + " and DJL " + djlVersion);
        }

        Path target = cache.resolve("pytorch").resolve(version + '-' + flavor + '-' + classifier);
        if (Files.exists(target)) {
            fail(target + " exists already");
        }
        Files.createDirectories(cache.resolve("pytorch"));
        Path tmp = Files.createTempDirectory(cache.resolve("pytorch"), "extract");
        long bytes = 0;
        try (ZipFile zip = new ZipFile(nativeJar.toFile())) {
            String prefix = "pytorch/" + flavor + '/' + classifier + '/';
            for (String lib : libraries) {
                bytes += extract(zip, prefix + lib.trim(), tmp.resolve(lib.trim()));
            }
        }
        try (ZipFile zip = new ZipFile(jniJar.toFile())) {
            bytes += extract(zip, "jnilib/" + classifier + '/' + flavor + '/' + JNI_LIB,
                    tmp.resolve(djlVersion + '-' + JNI_LIB));
        }
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        for (Path p = target; !p.equals(cache); p = p.getParent()) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Files.setPosixFilePermissions(cache, PosixFilePermissions.fromString("rwxr-xr-x"));
        System.out.printf("extracted %d libraries + JNI (%d MB) to %s%n",
                libraries.length, bytes >> 20, target);

        if (slim) {
            long before = Files.size(nativeJar);
            slimJar(nativeJar);
            System.out.printf("slimmed %s: %d MB -> %d KB%n", nativeJar.getFileName(), before >> 20,
                    Files.size(nativeJar) >> 10);
        }
    }

    private static Path findJar(Path dir, String resource) throws IOException {
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(dir, "*.jar")) {
            for (Path jar : jars) {
                try (ZipFile zip = new ZipFile(jar.toFile())) {
                    if (zip.getEntry(resource) != null) {
                        found.add(jar);
                    }
                }
            }
        }
        if (found.size() != 1) {
            fail("expected exactly one jar with " + resource + " in " + dir + ", found " + found);
        }
        return found.get(0);
    }

    private static Properties readProps(Path jar, String entry) throws IOException {
        try (ZipFile zip = new ZipFile(jar.toFile()); InputStream in = zip.getInputStream(zip.getEntry(entry))) {
            Properties p = new Properties();
            p.load(in);
            return p;
        }
    }

    private static String required(Properties p, String key, Path jar) {
        String v = p.getProperty(key);
        if (v == null || v.isBlank()) {
            fail("no " + key + " in " + jar);
        }
        return v.trim();
    }

    private static long extract(ZipFile zip, String entry, Path to) throws IOException {
        ZipEntry e = zip.getEntry(entry);
        if (e == null) {
            fail("missing " + entry + " in " + zip.getName());
        }
        try (InputStream in = zip.getInputStream(e)) {
            Files.copy(in, to);
        }
        Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rw-r--r--"));
        return Files.size(to);
    }

    /** Rewrites the jar without the pytorch/ folder (the libraries); keeps everything else. */
    private static void slimJar(Path jar) throws IOException {
        Path tmp = jar.resolveSibling(jar.getFileName() + ".slim");
        try (ZipFile zip = new ZipFile(jar.toFile());
                OutputStream os = Files.newOutputStream(tmp);
                ZipOutputStream out = new ZipOutputStream(os)) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                if (e.getName().startsWith("pytorch/")) {
                    continue;
                }
                ZipEntry copy = new ZipEntry(e.getName());
                copy.setTime(e.getTime());
                out.putNextEntry(copy);
                try (InputStream in = zip.getInputStream(e)) {
                    in.transferTo(out);
                }
                out.closeEntry();
            }
        }
        try {
            Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING);
        }
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
    }

    private static void fail(String message) {
        System.err.println("DjlPreextract: " + message);
        System.exit(1);
    }
}
