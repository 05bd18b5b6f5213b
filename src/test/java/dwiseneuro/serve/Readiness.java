package dwiseneuro.serve;

import static io.restassured.RestAssured.given;

import java.time.Duration;

/**
 * Test helper: the ensemble loads in the background, so tests wait for readiness before posting.
 * Call it from @BeforeEach: RestAssured learns the test port only then.
 */
public final class Readiness {

    private Readiness() {
    }

    /** Waits until /q/health/ready answers 200 (UP), failing after {@code timeout}. */
    public static void awaitReady(Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        int status = -1;
        while (System.nanoTime() < end) {
            status = given().get("/q/health/ready").statusCode();
            if (status == 200) {
                return;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new AssertionError("the service was not ready within " + timeout + " (last status " + status + ")");
    }

    public static void awaitReady() {
        awaitReady(Duration.ofMinutes(2));
    }
}
