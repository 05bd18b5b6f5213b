package dwiseneuro.serve.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dwiseneuro.serve.deploy.DockerfileRulesTest.Instruction;
import dwiseneuro.serve.deploy.DockerfileRulesTest.Stage;
import dwiseneuro.serve.testing.ChildProcess;
import dwiseneuro.serve.testing.Trees;

/**
 * The runtime stage of Dockerfile.jvm, played without a Docker engine on the packaged application
 * (target/quarkus-app, CPU libtorch): its COPY instructions lay the files out under a scratch root
 * (the build stage's pre-extraction is run as its RUN says, slimming a copy of the jars), then the
 * ENTRYPOINT runs with the image's ENV, WORKDIR and JVM flags (paths under the scratch root), as the
 * unprivileged user nobody when the tests run as root, with everything but /tmp read-only, as the
 * Kubernetes pods run it. The service must become ready on the demo ensemble it falls back to, answer
 * an inference request, load libtorch from the pre-extracted cache, and write nothing outside /tmp.
 * What it cannot show: the CUDA base image, the GPU, Docker itself.
 */
class ContainerRuntimeIT {

    static Path scratch;

    @AfterAll
    static void clean() throws IOException {
        if (scratch != null) {
            Trees.deleteAll(scratch);
        }
    }

    @Test
    void theImageLayoutServesReadOnlyAsNonRoot() throws Exception {
        Path app = Kustomize.ROOT.resolve("target/quarkus-app");
        assertTrue(Files.exists(app.resolve("quarkus-run.jar")), "run after package (./mvnw verify): no " + app);
        List<Stage> stages = DockerfileRulesTest.parse(Kustomize.ROOT.resolve("Dockerfile.jvm")).stages();
        Stage build = stages.stream().filter(s -> "build".equals(s.name())).findFirst().orElseThrow();
        Stage runtime = stages.get(stages.size() - 1);

        scratch = Files.createTempDirectory("image");
        scratch.toFile().setReadable(true, false);
        scratch.toFile().setExecutable(true, false);
        Path rootfs = Files.createDirectories(scratch.resolve("rootfs"));
        Path tmp = Files.createDirectories(rootfs.resolve("tmp"));
        // The build stage: /src is the repository; target/quarkus-app is copied so the real one stays unslimmed.
        Path src = Files.createDirectories(scratch.resolve("src"));
        copyTree(app, src.resolve("target/quarkus-app"));
        Instruction extract = build.instructions().stream()
                .filter(i -> i.keyword().equals("RUN") && i.args().contains("DjlPreextract")).findFirst().orElseThrow();
        Matcher m = Pattern.compile("java deploy/DjlPreextract\\.java ([^&;]+)").matcher(extract.args());
        assertTrue(m.find(), extract.args());
        List<String> cmd = new ArrayList<>(List.of(ChildProcess.java(), Kustomize.ROOT.resolve("deploy/DjlPreextract.java").toString()));
        for (String a : m.group(1).strip().split("\\s+")) {
            cmd.add(a.startsWith("/") ? rootfs + a : a.startsWith("target/") ? src.resolve(a).toString() : a);
        }
        ChildProcess.succeed(new ProcessBuilder(cmd).directory(src.toFile()), 300);

        // The runtime stage's COPY instructions.
        Map<String, String> env = new LinkedHashMap<>();
        String workdir = "/";
        String user = null;
        List<String> entrypoint = null;
        for (Instruction i : runtime.instructions()) {
            switch (i.keyword()) {
                case "COPY" -> {
                    String[] parts = i.args().split("\\s+");
                    String from = parts[0].startsWith("--from=") ? parts[0].substring(7) : null;
                    String source = parts[from == null ? 0 : 1];
                    Path dest = rootfs.resolve(parts[parts.length - 1].substring(1));
                    if (from == null) {
                        copyTree(Kustomize.ROOT.resolve(source), dest);
                    } else if (from.equals("build") && source.startsWith("/src/")) {
                        copyTree(src.resolve(source.substring(5)), dest);
                    } else if (from.equals("build")) {
                        assertTrue(Files.exists(rootfs.resolve(source.substring(1))), "the build stage made no " + source);
                    } else {
                        assertEquals("jre", from, "unexpected COPY " + i.args()); // the JRE: this JVM's
                    }
                }
                case "ENV" -> {
                    Matcher kv = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|\\S+)").matcher(i.args());
                    while (kv.find()) {
                        env.put(kv.group(1), kv.group(2).replaceAll("^\"|\"$", ""));
                    }
                }
                case "WORKDIR" -> workdir = i.args();
                case "USER" -> user = i.args();
                case "ENTRYPOINT" -> entrypoint = List.of(new ObjectMapper().readValue(i.args(), String[].class));
                default -> {
                    // RUN (links, users), EXPOSE, HEALTHCHECK: nothing to lay out
                }
            }
        }
        assertNotNull(entrypoint);
        assertTrue(user != null && !user.startsWith("0"), "USER " + user);
        Path sample = rootfs.resolve("opt/dwiseneuro/models/demo/sample");
        assertTrue(Files.isDirectory(sample), "the demo ensemble is not in the image");
        assertTrue(Files.size(rootfs.resolve("opt/dwiseneuro/lib/main").resolve(
                Files.list(rootfs.resolve("opt/dwiseneuro/lib/main")).filter(p -> p.getFileName().toString().contains("pytorch-native"))
                        .findFirst().orElseThrow().getFileName())) < 1 << 20, "the image carries the unslimmed libtorch jar");

        // Everything read-only (and owned by root when run as root), but /tmp.
        try (Stream<Path> walk = Files.walk(scratch)) {
            for (Path p : walk.toList()) {
                p.toFile().setReadable(true, false);
                if (Files.isDirectory(p)) {
                    p.toFile().setExecutable(true, false);
                }
                if (!p.startsWith(tmp)) {
                    p.toFile().setWritable(false, false);
                }
            }
        }
        tmp.toFile().setWritable(true, false);
        List<String> before = snapshot(rootfs, tmp);

        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Map<String, String> processEnv = new LinkedHashMap<>();
        processEnv.put("PATH", "/usr/bin:/bin");
        processEnv.put("HOME", "/nonexistent");
        env.forEach((k, v) -> {
            if (!k.equals("JAVA_HOME") && !k.equals("PATH")) {
                processEnv.put(k, mapPaths(v, rootfs));
            }
        });
        processEnv.put("QUARKUS_HTTP_PORT", Integer.toString(port)); // not 8080: the test machine may use it
        List<String> command = new ArrayList<>();
        boolean root = "root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/usr/bin/setpriv"));
        if (root) {
            command.addAll(List.of("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"));
        }
        entrypoint.forEach(a -> command.add(a.equals("java") ? ChildProcess.java() : mapPaths(a, rootfs)));

        Path log = scratch.resolve("service.log");
        ProcessBuilder pb = new ProcessBuilder(command).directory(rootfs.resolve(workdir.substring(1)).toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().clear();
        pb.environment().putAll(processEnv);
        Process service = pb.start();
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            String base = "http://127.0.0.1:" + port;
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
            int status = -1;
            while (System.nanoTime() < end && service.isAlive()) {
                try {
                    HttpResponse<String> ready = http.send(HttpRequest.newBuilder(URI.create(base + "/q/health/ready")).build(),
                            HttpResponse.BodyHandlers.ofString());
                    status = ready.statusCode();
                    if (ready.body().contains("\"FAILED\"")) {
                        break; // loading failed for good: no need to wait
                    }
                } catch (IOException e) {
                    status = -1;
                }
                if (status == 200) {
                    break;
                }
                Thread.sleep(500);
            }
            assertEquals(200, status, "not ready; the service said:\n" + tail(log));

            JsonNode mice = new ObjectMapper().readTree(http.send(HttpRequest.newBuilder(URI.create(base + "/v1/mice")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            String mouse = mice.get(0).path("id").asText();
            String boundary = "----" + UUID.randomUUID();
            HttpRequest post = HttpRequest.newBuilder(URI.create(base + "/v1/mice/" + mouse + "/responses"))
                    .timeout(Duration.ofMinutes(5))
                    .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                    .header("Accept", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(multipart(boundary, sample))).build();
            HttpResponse<String> response = http.send(post, HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), response.body() + "\n" + tail(log));
            JsonNode body = new ObjectMapper().readTree(response.body());
            assertEquals(mouse, body.path("mouse").asText());
            assertTrue(body.path("responses").isArray() && body.path("responses").size() == body.path("neurons").asInt());

            // Started through bin/gpu-env (which execs java): exact float32, TF32 off.
            assertTrue(List.of(Files.readString(Path.of("/proc/" + service.pid() + "/environ")).split("\0"))
                    .contains("NVIDIA_TF32_OVERRIDE=0"), "the service runs without NVIDIA_TF32_OVERRIDE=0");
            // libtorch came from the pre-extracted, read-only cache.
            String maps = Files.readString(Path.of("/proc/" + service.pid() + "/maps"));
            assertTrue(maps.contains(rootfs.resolve("opt/djl-cache/pytorch").toString()) && maps.contains("libtorch_cpu.so"),
                    "libtorch is not mapped from the image's DJL cache");
            if (root) {
                assertEquals("65534", Files.readAllLines(Path.of("/proc/" + service.pid() + "/status")).stream()
                        .filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow().split("\\s+")[1], "not running as nobody");
            }
        } finally {
            service.destroy();
            if (!service.waitFor(60, TimeUnit.SECONDS)) {
                service.destroyForcibly();
            }
        }
        assertEquals(before, snapshot(rootfs, tmp), "the service wrote outside /tmp");
        assertFalse(Files.readString(log).contains("Extracting"), "DJL extracted libtorch at run time");
    }

    static String mapPaths(String value, Path rootfs) {
        return value.replaceAll("(?<=^|[=\\s:])/(opt|tmp)(?=/|\\s|$)", Matcher.quoteReplacement(rootfs.toString()) + "/$1");
    }

    private static byte[] multipart(String boundary, Path sample) throws IOException {
        var out = new java.io.ByteArrayOutputStream();
        for (String part : List.of("video", "behavior", "pupil_center")) {
            out.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + part + "\"; filename=\"" + part
                    + ".npy\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            out.write(Files.readAllBytes(sample.resolve(part + ".npy")));
            out.write("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        out.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.createDirectories(t.getParent());
                    Files.copy(p, t, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static List<String> snapshot(Path root, Path except) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(p -> !p.startsWith(except)).map(p -> {
                try {
                    return root.relativize(p) + " " + (Files.isDirectory(p) ? "d" : Files.size(p)) + " "
                            + Files.getLastModifiedTime(p).toMillis();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).sorted().toList();
        }
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }
}
