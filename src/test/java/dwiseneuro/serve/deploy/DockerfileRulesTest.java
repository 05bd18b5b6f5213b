package dwiseneuro.serve.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;

import dwiseneuro.serve.testing.ChildProcess;

/**
 * Lint of Dockerfile.jvm and Dockerfile.native by stated rules (hadolint is not packaged for Debian
 * and no Docker engine runs here): pinned base images, non-root USER in every image that runs
 * something, no secrets, no remote ADD or curl|sh, pinned pip packages, exec-form ENTRYPOINT,
 * EXPOSE/HEALTHCHECK, the memory settings of the JVM image; every COPY source is in the build context
 * that .dockerignore leaves; and the HEALTHCHECK command itself works against a real HTTP server.
 */
class DockerfileRulesTest {

    record Instruction(String keyword, String args, int line) {
    }

    record Stage(String image, String name, List<Instruction> instructions) {
    }

    record Dockerfile(Map<String, String> globalArgs, List<Stage> stages) {
    }

    static Dockerfile parse(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        Map<String, String> globalArgs = new HashMap<>();
        List<Stage> stages = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int start = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            String trimmed = line.strip();
            if (trimmed.startsWith("#") || (trimmed.isEmpty() && current.length() == 0)) {
                continue; // comments (also inside continuations, as Docker does) and blank lines
            }
            if (current.length() == 0) {
                start = i + 1;
            }
            if (trimmed.endsWith("\\")) {
                current.append(trimmed, 0, trimmed.length() - 1).append(' ');
                continue;
            }
            current.append(trimmed);
            String text = current.toString().strip();
            current.setLength(0);
            if (text.isEmpty()) {
                continue;
            }
            int sp = text.indexOf(' ');
            String keyword = (sp < 0 ? text : text.substring(0, sp)).toUpperCase();
            String args = sp < 0 ? "" : text.substring(sp + 1).strip();
            Instruction ins = new Instruction(keyword, args, start);
            if (keyword.equals("FROM")) {
                Matcher m = Pattern.compile("(?i)^(?:--platform=\\S+\\s+)?(\\S+)(?:\\s+AS\\s+(\\S+))?$").matcher(args);
                assertTrue(m.matches(), file + ":" + start + " FROM " + args);
                stages.add(new Stage(m.group(1), m.group(2), new ArrayList<>()));
            } else if (stages.isEmpty()) {
                assertEquals("ARG", keyword, file + ":" + start + ": only ARG may come before the first FROM");
                String[] kv = args.split("=", 2);
                globalArgs.put(kv[0], kv.length > 1 ? kv[1] : null);
            } else {
                stages.get(stages.size() - 1).instructions().add(ins);
            }
        }
        return new Dockerfile(globalArgs, stages);
    }

    static Path file(String name) {
        return Kustomize.ROOT.resolve(name);
    }

    static String resolve(String image, Map<String, String> args) {
        Matcher m = Pattern.compile("\\$\\{?(\\w+)}?").matcher(image);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String v = args.get(m.group(1));
            assertNotNull(v, "FROM uses ARG " + m.group(1) + " without a default");
            m.appendReplacement(out, Matcher.quoteReplacement(v));
        }
        m.appendTail(out);
        return out.toString();
    }

    @ParameterizedTest
    @ValueSource(strings = {"Dockerfile.jvm", "Dockerfile.native"})
    void baseImagesArePinned(String name) throws IOException {
        Dockerfile d = parse(file(name));
        List<String> stageNames = d.stages().stream().map(Stage::name).filter(n -> n != null).toList();
        for (Stage s : d.stages()) {
            if (stageNames.contains(s.image())) {
                continue; // FROM an earlier stage
            }
            String image = resolve(s.image(), d.globalArgs());
            Matcher m = Pattern.compile("^([a-z0-9.\\-/:]+?)(?::([\\w.\\-]+))?(@sha256:[0-9a-f]{64})?$").matcher(image);
            assertTrue(m.matches(), name + ": image reference " + image);
            String tag = m.group(2);
            assertTrue(tag != null || m.group(3) != null, name + ": " + image + " has no tag");
            if (tag != null) {
                assertNotEquals("latest", tag, name + ": " + image);
                assertTrue(tag.matches(".*\\d.*"), name + ": " + image + " is not pinned to a version");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"Dockerfile.jvm", "Dockerfile.native"})
    void everyImageThatRunsSomethingRunsAsNonRoot(String name) throws IOException {
        Dockerfile d = parse(file(name));
        Stage last = d.stages().get(d.stages().size() - 1);
        assertTrue(d.stages().stream().filter(s -> has(s, "ENTRYPOINT") || has(s, "CMD")).toList().contains(last),
                name + ": the final stage has no ENTRYPOINT");
        for (Stage s : d.stages()) {
            if (!has(s, "ENTRYPOINT") && !has(s, "CMD")) {
                continue; // a build stage
            }
            List<Instruction> users = all(s, "USER");
            assertFalse(users.isEmpty(), name + " stage " + s.name() + ": no USER");
            String user = users.get(users.size() - 1).args();
            // Numeric, so that Kubernetes' runAsNonRoot can check it without /etc/passwd.
            assertTrue(user.matches("[1-9]\\d*(:[1-9]\\d*)?"), name + " stage " + s.name() + ": USER " + user);
            Instruction entry = all(s, "ENTRYPOINT").get(0);
            assertTrue(entry.args().startsWith("["), name + ": ENTRYPOINT in shell form (signals would not reach the process)");
            for (Instruction i : s.instructions()) {
                if (i.keyword().equals("RUN")) {
                    assertTrue(s.instructions().indexOf(i) < s.instructions().indexOf(users.get(users.size() - 1)),
                            name + ":" + i.line() + ": RUN after USER (installs as non-root?)");
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"Dockerfile.jvm", "Dockerfile.native"})
    void noSecretsNoRemoteAddNoPipeToShell(String name) throws IOException {
        String text = Files.readString(file(name));
        Dockerfile d = parse(file(name));
        Pattern secretName = Pattern.compile("(?i)(passw(or)?d|secret|token|api[_-]?key|credential|private[_-]?key|access[_-]?key)");
        List<Instruction> all = new ArrayList<>();
        d.stages().forEach(s -> all.addAll(s.instructions()));
        d.globalArgs().keySet().forEach(k -> assertFalse(secretName.matcher(k).find(), name + ": ARG " + k));
        for (Instruction i : all) {
            if (i.keyword().equals("ENV") || i.keyword().equals("ARG")) {
                for (String kv : i.args().split("\\s+(?=[A-Za-z_][A-Za-z0-9_]*=)")) {
                    String key = kv.split("=", 2)[0];
                    assertFalse(secretName.matcher(key).find(), name + ":" + i.line() + ": " + i.keyword() + " " + key);
                }
            }
            assertFalse(i.keyword().equals("ADD"), name + ":" + i.line() + ": ADD (use COPY; no remote or auto-extracted files)");
            assertFalse(i.args().matches("(?s).*(curl|wget)[^|;&]*\\|\\s*(ba|z)?sh.*"), name + ":" + i.line() + ": pipes a download to a shell");
            assertFalse(i.args().contains("--mount=type=secret") && !i.args().contains("required"), "unchecked secret mount");
            if (i.keyword().equals("WORKDIR")) {
                assertTrue(i.args().startsWith("/"), name + ":" + i.line() + ": relative WORKDIR");
            }
            if (i.keyword().equals("RUN") && i.args().contains("apt-get install")) {
                assertTrue(i.args().contains("--no-install-recommends") && i.args().contains("rm -rf /var/lib/apt/lists"),
                        name + ":" + i.line() + ": apt-get install without --no-install-recommends and list cleanup");
            }
            if (i.keyword().equals("RUN") && i.args().contains("pip install")) {
                assertTrue(i.args().contains("--no-cache-dir"), name + ":" + i.line() + ": pip without --no-cache-dir");
                Matcher pkgs = Pattern.compile("pip install((?:\\s+--[\\w-]+)*)((?:\\s+[A-Za-z][\\w.\\-\\[\\]]*[=<>!~]*[^\\s&;]*)+)").matcher(i.args());
                assertTrue(pkgs.find(), name + ":" + i.line() + ": cannot read the pip packages");
                for (String pkg : pkgs.group(2).strip().split("\\s+")) {
                    assertTrue(pkg.matches("[A-Za-z][\\w.\\-]*==[\\w.]+"), name + ":" + i.line() + ": unpinned pip package " + pkg);
                }
            }
        }
        assertFalse(Pattern.compile("AKIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY-----|ghp_[A-Za-z0-9]{36}").matcher(text).find(),
                name + " contains what looks like a credential");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Dockerfile.jvm", "Dockerfile.native"})
    void serviceImageSettings(String name) throws IOException {
        Dockerfile d = parse(file(name));
        Stage last = d.stages().get(d.stages().size() - 1);
        assertEquals(List.of("8080"), all(last, "EXPOSE").stream().map(Instruction::args).toList(), name + " EXPOSE");
        assertEquals(1, all(last, "HEALTHCHECK").size(), name + " HEALTHCHECK");
        String env = String.join(" ", all(last, "ENV").stream().map(Instruction::args).toList());
        // tcmalloc: bench/results/batching-*.md and soak-*.md; installed in the same stage.
        assertTrue(env.contains("LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4"), name + ": tcmalloc preloaded");
        assertTrue(all(last, "RUN").stream().anyMatch(r -> r.args().contains("libtcmalloc-minimal4")),
                name + ": tcmalloc not installed in the runtime stage");
        assertTrue(env.contains("DJL_CACHE_DIR=/opt/djl-cache"), name + ": DJL_CACHE_DIR");
        // Exact float32 on GPUs (no TF32), with DWISENEURO_TF32=1 as the opt-in that bin/gpu-env honours.
        assertTrue(env.contains("NVIDIA_TF32_OVERRIDE=0"), name + ": TF32 not turned off");
        List<String> entrypoint = List.of(new ObjectMapper().readValue(all(last, "ENTRYPOINT").get(0).args(), String[].class));
        assertEquals("/opt/dwiseneuro/bin/gpu-env", entrypoint.get(0), name + ": the service does not start through bin/gpu-env");
        assertTrue(all(last, "COPY").stream().anyMatch(c -> c.args().equals("bin/gpu-env /opt/dwiseneuro/bin/gpu-env")),
                name + ": bin/gpu-env not in the image");
        assertTrue(env.contains("QUARKUS_HTTP_BODY_UPLOADS_DIRECTORY=/tmp/"), name + ": uploads into the writable /tmp");
        assertTrue(env.contains("DWISENEURO_MODELS_DIR=/opt/dwiseneuro/models/demo"), name + ": demo ensemble as fallback");
        // The pre-extracted libtorch comes from the build stage.
        assertTrue(all(last, "COPY").stream().anyMatch(c -> c.args().matches("--from=build\\s+/opt/djl-cache/?\\s+/opt/djl-cache/?")),
                name + ": no pre-extracted DJL cache");
        Stage build = d.stages().stream().filter(s -> "build".equals(s.name())).findFirst().orElseThrow();
        assertTrue(all(build, "RUN").stream().anyMatch(r -> r.args().contains("java deploy/DjlPreextract.java")
                && r.args().contains("--cache /opt/djl-cache")), name + ": libtorch not pre-extracted at build time");
        if (name.equals("Dockerfile.jvm")) {
            assertTrue(env.matches(".*JDK_JAVA_OPTIONS=\"[^\"]*-XX:MaxRAMPercentage=\\d+.*"), "heap bound to the container");
            assertTrue(env.contains("-XX:+ExitOnOutOfMemoryError"), "a JVM out of heap must exit (Kubernetes restarts it)");
            assertTrue(env.contains("-Dai.djl.offline=true"), "DJL must never download at run time");
            assertTrue(all(build, "RUN").stream().anyMatch(r -> r.args().contains("--slim")), "the 2.5 GB jar stays in the image");
            assertTrue(d.globalArgs().get("RUNTIME_IMAGE").startsWith("nvidia/cuda:12.1."), "CUDA 12.1 runtime base");
            assertTrue(d.globalArgs().get("RUNTIME_IMAGE").matches(".*ubuntu(22|24)\\.04"), "glibc >= 2.29 base");
            Stage build2 = build;
            assertTrue(all(build2, "ARG").stream().anyMatch(a -> a.args().equals("MAVEN_PROFILES=gpu")), "GPU profile by default");
        }
    }

    @Test
    void everyCopySourceIsInTheBuildContext() throws IOException {
        DockerIgnore ignore = DockerIgnore.load(Kustomize.ROOT.resolve(".dockerignore"));
        for (String name : List.of("Dockerfile.jvm", "Dockerfile.native")) {
            for (Stage s : parse(file(name)).stages()) {
                for (Instruction c : all(s, "COPY")) {
                    if (c.args().startsWith("--from=")) {
                        continue;
                    }
                    String[] parts = c.args().replaceAll("--\\S+\\s+", "").split("\\s+");
                    for (int k = 0; k < parts.length - 1; k++) {
                        Path src = Kustomize.ROOT.resolve(parts[k]);
                        assertTrue(Files.exists(src), name + ":" + c.line() + ": COPY source " + parts[k] + " does not exist");
                        List<Path> files;
                        try (Stream<Path> walk = Files.walk(src)) {
                            files = walk.filter(Files::isRegularFile).toList();
                        }
                        long kept = files.stream().filter(f -> !ignore.excluded(Kustomize.ROOT.relativize(f).toString())).count();
                        assertTrue(kept > 0, name + ":" + c.line() + ": .dockerignore leaves nothing of " + parts[k]);
                    }
                }
            }
        }
        for (String needed : List.of("mvnw", "pom.xml", "bin/gpu-env", ".mvn/wrapper/maven-wrapper.properties", "deploy/DjlPreextract.java",
                "src/main/resources/application.properties", "models/demo/manifest.json", "trainer/bin/trainer",
                "trainer/dwiseneuro_trainer/__init__.py",
                "src/main/resources/META-INF/native-image/dwiseneuro/dwiseneuro-serve/native-image.properties")) {
            assertFalse(ignore.excluded(needed), ".dockerignore drops " + needed);
        }
        for (String kept : List.of("target/quarkus-app/quarkus-run.jar", ".git/config", "k8s/tests/node_modules/yaml/package.json",
                "trainer/tests/test_model.py", ".env", "src/test/java/X.java", "trainer/dwiseneuro_trainer/__pycache__/a.pyc",
                "bench/out/results.txt")) {
            assertTrue(ignore.excluded(kept), ".dockerignore lets " + kept + " into the build context");
        }
    }

    /** Docker's .dockerignore matching (moby/patternmatcher): the last pattern matching a path or a parent wins. */
    record DockerIgnore(List<Pattern> patterns, List<Boolean> negated) {
        static DockerIgnore load(Path file) throws IOException {
            List<Pattern> patterns = new ArrayList<>();
            List<Boolean> negated = new ArrayList<>();
            for (String line : Files.readAllLines(file)) {
                String p = line.strip();
                if (p.isEmpty() || p.startsWith("#")) {
                    continue;
                }
                boolean neg = p.startsWith("!");
                p = (neg ? p.substring(1) : p).strip().replaceAll("^/+", "").replaceAll("/+$", "");
                negated.add(neg);
                patterns.add(Pattern.compile(glob(p)));
            }
            return new DockerIgnore(patterns, negated);
        }

        private static String glob(String p) {
            StringBuilder re = new StringBuilder("^");
            for (int i = 0; i < p.length(); i++) {
                char c = p.charAt(i);
                if (c == '*' && i + 1 < p.length() && p.charAt(i + 1) == '*') {
                    re.append(".*");
                    i++;
                    if (i + 1 < p.length() && p.charAt(i + 1) == '/') {
                        re.setLength(re.length() - 2);
                        re.append("(?:.*/)?");
                        i++;
                    }
                } else if (c == '*') {
                    re.append("[^/]*");
                } else if (c == '?') {
                    re.append("[^/]");
                } else {
                    re.append(Pattern.quote(String.valueOf(c)));
                }
            }
            return re.append("$").toString();
        }

        boolean excluded(String path) {
            boolean excluded = false;
            for (int i = 0; i < patterns.size(); i++) {
                if (matchesOrParent(patterns.get(i), path)) {
                    excluded = !negated.get(i);
                }
            }
            return excluded;
        }

        private static boolean matchesOrParent(Pattern p, String path) {
            String[] parts = path.split("/");
            StringBuilder prefix = new StringBuilder();
            for (String part : parts) {
                if (prefix.length() > 0) {
                    prefix.append('/');
                }
                prefix.append(part);
                if (p.matcher(prefix).matches()) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * bin/gpu-env, the images' entrypoint and bin/serve's launcher: NVIDIA_TF32_OVERRIDE=0 by default,
     * also where nothing set it; unset with DWISENEURO_TF32=1, also where the image's ENV set it to 0;
     * anything else refused.
     */
    @Test
    void gpuEnvTurnsTf32OffUnlessOptedIn() throws Exception {
        Path script = Kustomize.ROOT.resolve("bin/gpu-env");
        assertTrue(Files.isExecutable(script), script + " is not executable");
        assertEquals("0", gpuEnv(script, Map.of()).output().strip());
        assertEquals("0", gpuEnv(script, Map.of("DWISENEURO_TF32", "0", "NVIDIA_TF32_OVERRIDE", "1")).output().strip());
        assertEquals("unset", gpuEnv(script, Map.of("DWISENEURO_TF32", "1", "NVIDIA_TF32_OVERRIDE", "0")).output().strip());
        ChildProcess.Result refused = gpuEnv(script, Map.of("DWISENEURO_TF32", "yes"));
        assertEquals(2, refused.status(), refused.output());
        assertTrue(refused.output().contains("DWISENEURO_TF32 must be 0"), refused.output());
        String serve = Files.readString(Kustomize.ROOT.resolve("bin/serve"));
        assertTrue(serve.contains("exec \"$here/bin/gpu-env\" java"), "bin/serve does not start java through bin/gpu-env");
    }

    private static ChildProcess.Result gpuEnv(Path script, Map<String, String> env) throws Exception {
        ProcessBuilder process = new ProcessBuilder(script.toString(), "sh", "-c", "echo ${NVIDIA_TF32_OVERRIDE-unset}");
        process.environment().remove("NVIDIA_TF32_OVERRIDE");
        process.environment().remove("DWISENEURO_TF32");
        process.environment().putAll(env);
        return ChildProcess.run(process, 20);
    }

    /** The HEALTHCHECK command (bash and /dev/tcp, no curl in the image) against a real HTTP server. */
    @ParameterizedTest
    @ValueSource(strings = {"Dockerfile.jvm", "Dockerfile.native"})
    void healthcheckCommandWorks(String name) throws Exception {
        Stage last = parse(file(name)).stages().get(parse(file(name)).stages().size() - 1);
        String hc = all(last, "HEALTHCHECK").get(0).args();
        assertTrue(hc.matches(".*--start-period=(\\d+m|\\d{3,}s).*"), name + ": start period shorter than loading the members");
        String json = hc.substring(hc.indexOf("CMD") + 3).strip();
        List<String> cmd = List.of(new ObjectMapper().readValue(json, String[].class));
        assertTrue(String.join(" ", cmd).contains("/q/health/live"));

        int[] status = {200};
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/q/health/live", ex -> {
            byte[] body = "{\"status\":\"UP\"}".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status[0], body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.createContext("/", ex -> {
            ex.sendResponseHeaders(404, -1);
            ex.close();
        });
        server.start();
        int port = server.getAddress().getPort();
        try {
            List<String> local = cmd.stream().map(a -> a.replace("127.0.0.1/8080", "127.0.0.1/" + port)).toList();
            assertEquals(0, run(local), "healthy service reported unhealthy");
            status[0] = 503;
            assertNotEquals(0, run(local), "503 reported healthy");
        } finally {
            server.stop(0);
        }
        List<String> closed = cmd.stream().map(a -> a.replace("127.0.0.1/8080", "127.0.0.1/" + port)).toList();
        assertNotEquals(0, run(closed), "no server reported healthy");
    }

    private static int run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), "healthcheck hangs");
        return p.exitValue();
    }

    private static boolean has(Stage s, String keyword) {
        return !all(s, keyword).isEmpty();
    }

    private static List<Instruction> all(Stage s, String keyword) {
        return s.instructions().stream().filter(i -> i.keyword().equals(keyword)).toList();
    }
}
