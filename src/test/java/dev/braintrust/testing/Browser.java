package dev.braintrust.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.braintrust.Json;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A real headless Chromium driven through the system's chromedriver (Debian {@code chromium} and
 * {@code chromium-driver}, installed by {@code .ci/run}); nothing is downloaded. Every request the
 * page makes is recorded (Chrome's performance log), so tests can check that none leaves the server.
 */
public final class Browser implements AutoCloseable {
    public static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final List<Path> CHROMIUM = List.of(Path.of("/usr/lib/chromium/chromium"), Path.of("/usr/bin/chromium"));
    public static final Path SCREENSHOTS = Path.of("target", "screenshots");
    public static final Duration WAIT = Duration.ofSeconds(20);
    /** Selenium warns that it knows an older DevTools protocol; the tests use none of its DevTools classes. */
    private static final java.util.logging.Logger CDP_VERSION_WARNING = quiet("org.openqa.selenium.devtools.CdpVersionFinder");

    private final ChromeDriver driver;
    private final Path profile;
    private final List<String> requested = new ArrayList<>();

    private Browser(ChromeDriver driver, Path profile) {
        this.driver = driver;
        this.profile = profile;
    }

    private static java.util.logging.Logger quiet(String name) {
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger(name);
        logger.setLevel(java.util.logging.Level.SEVERE);
        return logger;
    }

    public static Browser start() {
        if (!Files.isExecutable(CHROMEDRIVER)) {
            throw new IllegalStateException(CHROMEDRIVER + " is missing: install Debian's chromium and chromium-driver (.ci/run does)");
        }
        Path profile;
        try {
            profile = Files.createTempDirectory("bt-chromium-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeOptions options = new ChromeOptions();
        CHROMIUM.stream().filter(Files::isExecutable).findFirst().ifPresent(p -> options.setBinary(p.toFile()));
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic",
                "--disable-extensions", "--disable-default-apps", "--user-data-dir=" + profile, "--window-size=1280,900");
        options.setCapability("goog:loggingPrefs", Map.of(LogType.PERFORMANCE, "ALL", LogType.BROWSER, "ALL"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        return new Browser(new ChromeDriver(service, options), profile);
    }

    public ChromeDriver driver() {
        return driver;
    }

    public void open(String url) {
        driver.get(url);
    }

    /** The viewport as a phone or a desktop would have it (exact CSS pixels, touch for narrow widths). */
    public void viewport(int width, int height) {
        driver.executeCdpCommand("Emulation.setDeviceMetricsOverride", Map.of(
                "width", width, "height", height, "deviceScaleFactor", 1, "mobile", width < 600));
    }

    public WebElement find(String css) {
        return waitUntil("an element " + css, d -> {
            List<WebElement> found = d.findElements(By.cssSelector(css));
            return found.isEmpty() ? null : found.get(0);
        });
    }

    /**
     * Clicks the first element matching css, looking for it again when the page redrew it between the finding and the
     * click (a dashboard that refreshes a list every few seconds does that).
     */
    public void click(String css) {
        waitUntil("a click on " + css, d -> {
            List<WebElement> found = d.findElements(By.cssSelector(css));
            if (found.isEmpty()) {
                return null;
            }
            found.get(0).click();
            return true;
        });
    }

    public List<WebElement> all(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    /** Waits (bounded) until the text of the first element matching css contains text. */
    public WebElement waitForText(String css, String text) {
        return waitUntil("'" + text + "' in " + css, d -> {
            for (WebElement e : d.findElements(By.cssSelector(css))) {
                if (e.getText().contains(text)) {
                    return e;
                }
            }
            return null;
        });
    }

    public <T> T waitUntil(String what, Function<ChromeDriver, T> condition) {
        return new WebDriverWait(driver, WAIT).pollingEvery(Duration.ofMillis(50)).withMessage("waiting for " + what)
                .ignoring(org.openqa.selenium.StaleElementReferenceException.class) // the page redrew: look again
                .until(d -> condition.apply((ChromeDriver) d));
    }

    public Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    /** A screenshot of the whole page (beyond the viewport) to target/screenshots/name.png. */
    public Path screenshot(String name) {
        Number width = (Number) js("return document.documentElement.clientWidth");
        Number height = (Number) js("return Math.max(document.documentElement.scrollHeight, document.body.scrollHeight)");
        Map<String, Object> shot = driver.executeCdpCommand("Page.captureScreenshot", Map.of(
                "format", "png", "captureBeyondViewport", true,
                "clip", Map.of("x", 0, "y", 0, "width", width, "height", Math.min(height.intValue(), 8000), "scale", 1)));
        try {
            Files.createDirectories(SCREENSHOTS);
            Path file = SCREENSHOTS.resolve(name + ".png");
            Files.write(file, Base64.getDecoder().decode((String) shot.get("data")));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every URL the browser has requested so far (documents, scripts, styles, fetches, images, icons). */
    public List<String> requestedUrls() {
        for (LogEntry entry : driver.manage().logs().get(LogType.PERFORMANCE)) {
            try {
                JsonNode message = Json.mapper().readTree(entry.getMessage()).path("message");
                if ("Network.requestWillBeSent".equals(message.path("method").asText())) {
                    requested.add(message.path("params").path("request").path("url").asText());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return List.copyOf(requested);
    }

    /**
     * Starts recording, in the page, every value the attribute takes on elements under {@code root}
     * (keyed by {@code keyAttribute}), so a test sees short-lived states that polling would miss.
     */
    public void recordAttribute(String root, String keyAttribute, String attribute) {
        js("""
                window.__recorded = {};
                new MutationObserver(records => records.forEach(r => {
                  const key = r.target.getAttribute(arguments[1]);
                  if (!key) return;
                  const value = r.target.getAttribute(arguments[2]);
                  const list = (window.__recorded[key] ||= []);
                  if (list[list.length - 1] !== value) list.push(value);
                })).observe(document.querySelector(arguments[0]), {subtree: true, attributes: true, attributeFilter: [arguments[2]]});
                """, root, keyAttribute, attribute);
    }

    /** What {@link #recordAttribute} saw: key → the values in order. */
    @SuppressWarnings("unchecked")
    public Map<String, List<String>> recorded() {
        return (Map<String, List<String>>) js("return window.__recorded");
    }

    /** Messages the page logged to its console (errors included). */
    public List<String> consoleMessages() {
        return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .map(e -> e.getLevel() + " " + e.getMessage()).toList();
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // a temporary profile left behind is harmless
            }
        }
    }
}
