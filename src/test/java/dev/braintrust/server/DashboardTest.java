package dev.braintrust.server;

import dev.braintrust.journal.JournalEntry;
import dev.braintrust.testing.Browser;
import dev.braintrust.testing.Closer;
import dev.braintrust.testing.Files2;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.WebElement;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The dashboard in a real headless Chromium against a real server (local mode, no API key, file watcher on). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardTest {
    static final String EVIL = """
            # Untrusted

            <script>window.__pwned = 'script'</script>

            Inline <img src=x onerror="window.__pwned = 'img'"> and <b onmouseover="window.__pwned = 'b'">bold</b>.

            [a javascript link](javascript:window.__pwned='link') and [a normal one](https://example.org/page).

            ![tracker](http://198.51.100.7/pixel.png)
            """;

    @TempDir
    static Path home;
    TestServer t;
    Browser browser;

    @BeforeAll
    void start() {
        new dev.braintrust.home.PaiHome(home).init();
        dev.braintrust.testing.TestHome.skill(home, "search.sh", """
                #!/bin/sh
                # DESCRIPTION: Search the web
                # ENV: SERPAPI_API_KEY, MISSING_KEY
                echo "searched with ${#SERPAPI_API_KEY} characters of key"
                """);
        t = TestServer.start(home, java.util.Map.of("SERPAPI_API_KEY", "serp-secret-value"));
        t.brainTrust.watchForChanges();
        browser = Browser.start();
    }

    @AfterAll
    void stop() throws Exception {
        Closer.closeAll(browser, t);
    }

    @BeforeEach
    void desktop() {
        browser.viewport(1280, 900);
    }

    String base() {
        return "http://127.0.0.1:" + t.server.port();
    }

    void open(String hash) {
        browser.open(base() + "/#/" + hash);
    }

    @Test
    void overview_says_the_mode_and_source_of_truth_in_plain_words() {
        open("");
        WebElement mode = browser.waitForText("#mode", "Local mode");
        assertThat(mode.getText()).contains("source of truth is the folder " + home.toAbsolutePath().normalize());
        assertThat(browser.find("#skill-count").getText()).isEqualTo("4");
        String ollama = browser.find("#ollama").getText();
        assertThat(browser.find("#providers").getText().contains("ollama")).as("ollama is listed only when it answers: " + ollama)
                .isEqualTo(ollama.startsWith("answers"));
        browser.waitForText("#ready-state", "ready");
        assertThat(browser.find("#context-summary").getText()).contains("MISSION.md", "Revision");
        assertThat(browser.find("#mode-badge").getText()).isEqualTo("local mode");
        assertThat(browser.all("#sync-now")).as("no sync button in local mode").isEmpty();
    }

    @Test
    void context_files_are_rendered_from_markdown() {
        open("context");
        WebElement mission = browser.find("[data-file='MISSION.md'] .markdown");
        assertThat(mission.getText()).contains("My mission");
        assertThat(browser.all("[data-file='MISSION.md'] .markdown p")).as("paragraphs are HTML, not Markdown text").isNotEmpty();
        assertThat(browser.find("#context-revision").getText())
                .isEqualTo(t.brainTrust.context().snapshot().revision().substring(0, 12));
    }

    @Test
    void a_context_edit_saved_on_disk_appears_without_a_reload() {
        open("context");
        browser.find("[data-file='GOALS.md'] .markdown");
        browser.js("window.__samePage = 'still here'");
        String before = browser.find("#context-revision").getText();

        Files2.write(home.resolve("context/GOALS.md"), "# Goals\n\n- Ship the **dashboard** this week\n");

        WebElement goals = browser.waitForText("[data-file='GOALS.md'] .markdown", "Ship the dashboard this week");
        assertThat(goals.findElement(org.openqa.selenium.By.tagName("strong")).getText()).isEqualTo("dashboard");
        assertThat(browser.find("#context-revision").getText()).isNotEqualTo(before);
        assertThat(browser.js("return window.__samePage")).as("the page was not reloaded").isEqualTo("still here");
        browser.waitForText("#prompt-output", "Ship the **dashboard** this week");
    }

    @Test
    void markdown_with_a_script_is_shown_as_text_and_runs_nothing() {
        Files2.write(home.resolve("context/UNTRUSTED.md"), EVIL);
        open("context");
        WebElement card = browser.waitForText("[data-file='UNTRUSTED.md'] .markdown", "<script>window.__pwned = 'script'</script>");
        assertThat(card.getText()).contains("<img src=x onerror=", "<b onmouseover=");
        assertThat(card.findElements(org.openqa.selenium.By.cssSelector("script, img, iframe, object, [onerror], [onmouseover]"))).isEmpty();
        for (WebElement link : card.findElements(org.openqa.selenium.By.tagName("a"))) {
            assertThat(String.valueOf(link.getAttribute("href"))).doesNotStartWith("javascript:");
        }
        assertThat(card.findElement(org.openqa.selenium.By.cssSelector("a.md-image")).getText()).isEqualTo("image: tracker");
        WebElement unsafe = card.findElement(org.openqa.selenium.By.xpath(".//a[contains(., 'javascript link')]"));
        assertThat(unsafe.getAttribute("href")).as("an unsafe link goes nowhere").isNull();
        unsafe.click();
        assertThat(browser.driver().getWindowHandles()).hasSize(1);
        assertThat(browser.js("return window.__pwned")).as("no untrusted code ran").isNull();
        assertThat(browser.requestedUrls()).noneMatch(u -> u.contains("198.51.100.7"));
    }

    @Test
    void the_composed_prompt_is_the_context_then_the_agent_instructions() {
        open("context");
        WebElement instructions = browser.find("#prompt-instructions");
        instructions.clear();
        instructions.sendKeys("You are my blunt editor.");
        browser.click("#prompt-compose");
        WebElement prompt = browser.waitForText("#prompt-output", "You are my blunt editor.");
        String text = prompt.getText();
        assertThat(text).contains("# USER CONTEXT (TELOS LAYER)", "## Mission", "# AGENT INSTRUCTIONS");
        assertThat(text.indexOf("## Mission")).isLessThan(text.indexOf("# AGENT INSTRUCTIONS"));
    }

    @Test
    void a_skill_runs_from_its_form_and_shows_its_output() {
        open("skills");
        WebElement skill = browser.find("#skill-word_count");
        assertThat(skill.getText()).contains("Count the lines, words and characters", "text", "(str)");
        browser.find("#skill-word_count-text").sendKeys("one two three");
        browser.click("form[data-skill='word_count'] button[type='submit']");
        WebElement output = browser.waitForText("#skill-word_count .skill-output", "words=3");
        assertThat(output.getText()).contains("ok", "Exit code");
    }

    @Test
    void each_skill_shows_the_secrets_it_receives_and_which_are_missing_never_their_values() {
        open("skills");
        WebElement search = browser.waitForText("#skill-search", "Receives");
        assertThat(search.findElement(org.openqa.selenium.By.cssSelector(".skill-env")).getText())
                .isEqualTo("Receives SERPAPI_API_KEY, MISSING_KEY (not set on this server)");
        assertThat(browser.find("#skill-word_count .skill-env").getText()).isEqualTo("Receives no secret.");
        assertThat(browser.find("#skills-env").getText()).contains("PATH, HOME", "PAI_HOME", "# ENV:");
        assertThat(browser.driver().getPageSource()).doesNotContain("serp-secret-value");
        browser.click("form[data-skill='search'] button[type='submit']");
        browser.waitForText("#skill-search .skill-output", "searched with 17 characters of key");
    }

    @Test
    void the_journal_is_rendered_and_its_text_stays_inert() {
        t.brainTrust.journal().append(new JournalEntry(Instant.now(), "research brief", "succeeded", Duration.ofSeconds(3),
                "abc123", List.of("Researcher", "Writer"), "run-1", "<script>window.__pwned='journal'</script> all done"));
        open("journal");
        WebElement day = browser.waitForText("#journal-day", "research brief");
        assertThat(day.findElements(org.openqa.selenium.By.cssSelector("h1, h2"))).isNotEmpty();
        assertThat(day.getText()).contains("<script>window.__pwned='journal'</script> all done");
        assertThat(browser.js("return window.__pwned")).isNull();
    }

    @Test
    void an_unknown_page_says_so() {
        open("nowhere");
        assertThat(browser.waitForText("main", "No page here").getText()).contains("Back to the overview");
    }

    @Test
    @Order(Integer.MAX_VALUE) // last: the pages then show what the other tests made (a journal day, a run)
    void every_page_fits_a_phone_and_a_desktop_and_asks_nothing_of_another_host() {
        for (String page : List.of("", "context", "skills", "journal", "runs", "workflows", "workflows/editorial-pipeline")) {
            String name = page.isEmpty() ? "overview" : page.replace('/', '-');
            for (int width : new int[] {390, 1280}) {
                browser.viewport(width, width < 600 ? 844 : 900);
                open(page);
                browser.find("main .page h1");
                assertThat(browser.all("main .error")).as(name + " shows no error").isEmpty();
                Object overflow = browser.js("return document.documentElement.scrollWidth - document.documentElement.clientWidth");
                assertThat(((Number) overflow).intValue()).as(name + " at " + width + " px scrolls sideways").isLessThanOrEqualTo(0);
                browser.screenshot(name + "-" + (width < 600 ? "phone" : "desktop"));
            }
        }
        URI server = URI.create(base());
        List<String> requested = browser.requestedUrls();
        assertThat(requested).as("the log records the page's own calls").anyMatch(u -> u.endsWith("/api/v1/status"));
        assertThat(requested).allSatisfy(url -> {
            URI u = URI.create(url);
            if (u.getScheme().startsWith("http")) {
                assertThat(u.getHost() + ":" + u.getPort()).as(url).isEqualTo(server.getHost() + ":" + server.getPort());
            } else {
                // chrome:// is the browser's own start page, served from inside it: never the network
                assertThat(u.getScheme()).as(url).isIn("data", "about", "blob", "chrome");
            }
        });
        assertThat(browser.consoleMessages()).noneMatch(m -> m.contains("Uncaught") || m.contains("Content Security Policy"));
    }
}
