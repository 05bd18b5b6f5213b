package dwiseneuro.serve.corpus;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dwiseneuro.serve.testing.RawHttp;
import dwiseneuro.serve.testing.ServiceHealth;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Posts every case of src/test/resources/bad-inputs/cases.json to the running service: each must be
 * refused with a 4xx problem+json that says what is wrong, and the valid clip posted right after it
 * must still get exactly the reference response taken before the first case.
 */
@QuarkusTest
@TestProfile(CorpusProfile.class)
class BadInputCorpusTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static byte[] reference;

    @TestHTTPResource("/")
    URL url;

    /** Every case, or only those named in -Dcorpus.only=id,id (to rerun a few while fixing them). */
    static List<CorpusCase> cases() {
        String only = System.getProperty("corpus.only", "");
        List<String> ids = List.of(only.split(","));
        return CorpusCase.load().stream().filter(c -> only.isBlank() || ids.contains(c.id())).toList();
    }

    @Test
    void theCorpusCoversTheIssuesList() {
        Set<String> required = Set.of("truncated .npy", "bad magic", "unsupported dtype (object)", "unsupported dtype (complex)",
                "unsupported dtype (int64)", "a header that declares a huge shape with a tiny body (no allocation from the header alone)",
                "wrong number of dimensions", "video height/width that cannot be mapped",
                "behavior length different from video length", "NaN in the middle of a clip", "Inf in the middle of a clip",
                "an all-NaN clip", "fewer than 31 frames", "an empty file", "a corrupt mp4", "a text file named .mp4",
                "a zip bomb as .npz", "a missing part", "an unknown part", "a non-multipart body", "an unknown mouse",
                "a body over the size limit (413)", "a clip over the frame limit");
        Set<String> covered = new java.util.HashSet<>();
        CorpusCase.load().forEach(c -> covered.add(c.issue()));
        for (String issue : required) {
            assertTrue(covered.contains(issue), "no case for: " + issue);
        }
        List<CorpusCase> all = CorpusCase.load();
        assertEquals(all.size(), all.stream().map(CorpusCase::id).distinct().count(), "case ids must be unique");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void isRefusedWithAProblemAndLeavesTheServiceCorrect(CorpusCase corpusCase) throws Exception {
        byte[] expected = reference();

        RawHttp.Response response = send(corpusCase.request());
        int status = response.status();
        String body = new String(response.body(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(status < 500, corpusCase.id() + ": server error " + status + ": " + body);
        assertTrue(corpusCase.statuses().contains(status),
                corpusCase.id() + ": status " + status + ", expected one of " + corpusCase.statuses() + ": " + body);
        if (corpusCase.isV2()) {
            // The protocol's {"error": ...}, also for errors raised before a v2 method is matched (415).
            String type = java.util.Objects.requireNonNullElse(response.header("Content-Type"), "");
            assertTrue(type.startsWith("application/json"), corpusCase.id() + ": Content-Type " + type + ": " + body);
            String error = JSON.readTree(body).path("error").asText();
            assertTrue(Pattern.compile(corpusCase.detail(), Pattern.CASE_INSENSITIVE | Pattern.DOTALL).matcher(error).find(),
                    corpusCase.id() + ": error '" + error + "' does not match /" + corpusCase.detail() + "/");
        } else if (corpusCase.problemJson()) {
            String type = java.util.Objects.requireNonNullElse(response.header("Content-Type"), "");
            assertTrue(type.startsWith("application/problem+json"), corpusCase.id() + ": Content-Type " + type + ": " + body);
            JsonNode problem = JSON.readTree(body);
            assertEquals(status, problem.path("status").asInt(), corpusCase.id() + ": " + body);
            assertFalse(problem.path("title").asText().isBlank(), corpusCase.id() + ": no title: " + body);
            assertFalse(problem.has("incident"), corpusCase.id() + ": an incident id on a client error: " + body);
            String detail = problem.path("detail").asText();
            assertNotNull(corpusCase.detail(), corpusCase.id() + ": the case needs a 'detail' pattern");
            assertTrue(Pattern.compile(corpusCase.detail(), Pattern.CASE_INSENSITIVE | Pattern.DOTALL).matcher(detail).find(),
                    corpusCase.id() + ": detail '" + detail + "' does not match /" + corpusCase.detail() + "/");
        }

        RawHttp.Response after = send(CorpusCase.valid());
        assertEquals(200, after.status(), corpusCase.id() + ": the valid clip after it: "
                + new String(after.body(), java.nio.charset.StandardCharsets.UTF_8));
        assertArrayEquals(expected, after.body(), corpusCase.id() + ": the valid clip's response changed after this case");
    }

    private synchronized byte[] reference() throws Exception {
        if (reference == null) {
            ServiceHealth.awaitUp(url.toURI(), Duration.ofMinutes(3));
            RawHttp.Response response = send(CorpusCase.valid());
            if (response.status() != 200) {
                fail("reference request failed: " + response.status() + " " + new String(response.body()));
            }
            reference = response.body();
        }
        return reference;
    }

    private RawHttp.Response send(CorpusCase.Request request) throws Exception {
        try {
            return RawHttp.exchange(url.toURI(), request.method(), request.pathAndQuery(), request.headers(),
                    request.method().equals("GET") ? null : request.body(), request.chunked(), Duration.ofSeconds(60));
        } catch (IOException e) {
            throw new AssertionError("no HTTP response: " + e, e);
        }
    }
}
