package dwiseneuro.serve.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The native-image metadata of Dockerfile.native (experimental, never built here) at least names
 * what exists: every class, field, method and constructor in the JNI, reflection and proxy configs
 * is on the service's classpath with that exact signature, every resource pattern matches a resource
 * DJL reads, and the build arguments are the documented ones. A typo here would only show in a
 * native build that nobody can run where the project is tested.
 */
class NativeImageConfigTest {

    static final Path DIR = Kustomize.ROOT.resolve("src/main/resources/META-INF/native-image/dwiseneuro/dwiseneuro-serve");
    static final ObjectMapper JSON = new ObjectMapper();

    static Class<?> load(String name) throws ClassNotFoundException {
        return Class.forName(name, false, NativeImageConfigTest.class.getClassLoader());
    }

    static Class<?> type(String name) throws ClassNotFoundException {
        return switch (name) {
            case "boolean" -> boolean.class;
            case "int" -> int.class;
            case "long" -> long.class;
            case "float" -> float.class;
            case "double" -> double.class;
            case "byte[]" -> byte[].class;
            case "long[]" -> long[].class;
            default -> name.endsWith("[]") ? load(name.substring(0, name.length() - 2)).arrayType() : load(name);
        };
    }

    @Test
    void jniAndReflectionConfigsNameRealMembers() throws Exception {
        for (String file : List.of("jni-config.json", "reflect-config.json")) {
            JsonNode entries = JSON.readTree(DIR.resolve(file).toFile());
            assertTrue(entries.isArray() && !entries.isEmpty(), file);
            for (JsonNode e : entries) {
                Class<?> c = load(e.path("name").asText());
                for (JsonNode f : e.path("fields")) {
                    assertNotNull(c.getDeclaredField(f.path("name").asText()), file + ": " + c.getName() + "." + f);
                }
                for (JsonNode m : e.path("methods")) {
                    List<Class<?>> params = new ArrayList<>();
                    for (JsonNode p : m.path("parameterTypes")) {
                        params.add(type(p.asText()));
                    }
                    Class<?>[] ps = params.toArray(Class<?>[]::new);
                    String name = m.path("name").asText();
                    if (name.equals("<init>")) {
                        assertNotNull(c.getDeclaredConstructor(ps), file + ": " + c.getName() + " constructor " + params);
                    } else {
                        assertNotNull(findMethod(c, name, ps), file + ": " + c.getName() + "." + name + params);
                    }
                }
                e.fieldNames().forEachRemaining(k -> assertTrue(
                        List.of("name", "fields", "methods", "allDeclaredMethods", "allPublicMethods", "allPublicFields",
                                "allDeclaredConstructors", "allPublicConstructors").contains(k), file + ": unknown key " + k));
            }
        }
        // What DJL's libdjl_torch.so looks up in JNI_OnLoad (the jar's own jni-config lacks it).
        var logger = load("ai.djl.pytorch.jni.JniUtils").getDeclaredField("logger");
        assertTrue(Modifier.isStatic(logger.getModifiers()));
    }

    private static java.lang.reflect.Method findMethod(Class<?> c, String name, Class<?>[] ps) {
        for (Class<?> k = c; k != null; k = k.getSuperclass()) {
            try {
                return k.getDeclaredMethod(name, ps);
            } catch (NoSuchMethodException e) {
                // try the superclass, then interfaces
            }
        }
        try {
            return c.getMethod(name, ps);
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    @Test
    void proxyInterfacesExist() throws Exception {
        for (JsonNode e : JSON.readTree(DIR.resolve("proxy-config.json").toFile())) {
            for (JsonNode i : e.path("interfaces")) {
                assertTrue(load(i.asText()).isInterface(), i.asText());
            }
        }
    }

    @Test
    void resourcePatternsMatchWhatDjlReads() throws Exception {
        JsonNode includes = JSON.readTree(DIR.resolve("resource-config.json").toFile()).path("resources").path("includes");
        List<String> resources = List.of("pytorch-engine.properties", "native/lib/pytorch.properties", "jnilib/pytorch.properties",
                "ai/djl/engine/api.properties");
        for (String r : resources) {
            assertNotNull(getClass().getClassLoader().getResource(r), r + " is not on the classpath");
            boolean matched = false;
            for (JsonNode inc : includes) {
                matched |= Pattern.compile(inc.path("pattern").asText()).matcher(r).matches();
            }
            assertTrue(matched, "no resource pattern includes " + r);
        }
        assertEquals(resources.size(), includes.size());
    }

    @Test
    void buildArgumentsInitialiseDjlAtRunTime() throws Exception {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(DIR.resolve("native-image.properties"))) {
            p.load(in);
        }
        List<String> args = Arrays.asList(p.getProperty("Args").trim().split("\\s+"));
        assertEquals(List.of("--initialize-at-run-time=ai.djl,com.sun.jna"), args);
        assertFalse(load("ai.djl.util.cuda.CudaUtils").getName().isEmpty());
    }
}
