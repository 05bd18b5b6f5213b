package dwiseneuro.serve.api;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import dwiseneuro.serve.Readiness;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * A person trying the API in Swagger UI: headless Chromium (Debian's chromium + chromium-driver, installed
 * by .ci/install-deps (.ci/packages.d/media.txt)) opens /q/swagger-ui, expands POST /v1/mice/{id}/responses, presses
 * "Try it out", picks the demo sample's three .npy files, presses "Execute" and must see a 200 whose
 * body has responses. Skipped only where chromium is not installed; CI installs it, so it runs there.
 */
@QuarkusTest
@TestProfile(StatsEnsembleProfile.class)
class SwaggerUiBrowserTest {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Path SAMPLE = Path.of("models/demo/sample").toAbsolutePath();

    @TestHTTPResource("/q/swagger-ui/")
    URL swaggerUi;

    WebDriver driver;
    Path profile;

    @BeforeEach
    void start() throws IOException {
        boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!installed && System.getenv("CI") != null) {
            throw new AssertionError("chromium and chromium-driver are not installed; .ci/install-deps (.ci/packages.d/media.txt) installs them");
        }
        Assumptions.assumeTrue(installed, "Debian's chromium and chromium-driver are not installed "
                + "(apt-get install chromium chromium-driver, or run .ci/install-deps (.ci/packages.d/media.txt)): skipping the Swagger UI browser test");
        Readiness.awaitReady();
        profile = Files.createTempDirectory("chromium-profile");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toString());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-quic", "--window-size=1400,2400", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
    }

    @AfterEach
    void stop() throws IOException {
        if (driver != null) {
            driver.quit();
        }
        if (profile != null) {
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void tryItOutWithTheDemoSampleShowsResponses() throws IOException {
        WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(60));
        driver.get(swaggerUi.toString());
        WebElement operation = wait.until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("[id$='post_v1_mice__id__responses']")));
        operation.findElement(By.cssSelector(".opblock-summary")).click();
        wait.until(d -> !operation.findElements(By.cssSelector("button.try-out__btn")).isEmpty());
        operation.findElement(By.cssSelector("button.try-out__btn")).click();

        WebElement id = wait.until(d -> operation.findElement(By.cssSelector("tr[data-param-name='id'] input")));
        id.clear();
        id.sendKeys("demo-mouse-1");
        for (String part : List.of("video", "behavior", "pupil_center")) {
            WebElement file = wait.until(d -> operation.findElement(By.xpath(
                    ".//tr[.//*[contains(@class,'parameter__name') and starts-with(normalize-space(.), '" + part + "')]]"
                            + "//input[@type='file']")));
            file.sendKeys(SAMPLE.resolve(part + ".npy").toString());
        }
        operation.findElement(By.cssSelector("button.execute")).click();

        WebDriverWait inference = new WebDriverWait(driver, Duration.ofMinutes(3));
        WebElement status = inference.until(ExpectedConditions.presenceOfNestedElementLocatedBy(operation,
                By.cssSelector(".live-responses-table .response .response-col_status")));
        WebElement body = operation.findElement(By.cssSelector(".live-responses-table .response-col_description pre"));
        screenshot();
        String text = body.getText();
        assertTrue(status.getText().trim().startsWith("200"), "Swagger UI shows status " + status.getText() + ": " + text);
        assertTrue(text.contains("\"responses\"") && text.contains("\"mouse\": \"demo-mouse-1\""), text);
    }

    private void screenshot() throws IOException {
        Path out = Path.of("target/swagger-ui-try-it-out.png");
        Files.createDirectories(out.getParent());
        Files.write(out, ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
    }
}
