package dev.braintrust.server;

import dev.braintrust.journal.RunRecord;
import dev.braintrust.testing.Browser;
import dev.braintrust.testing.Closer;
import dev.braintrust.testing.LlmStandIn;
import dev.braintrust.testing.LlmStandIn.Reply;
import dev.braintrust.testing.TestHome;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.WebElement;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a new user sees first in the dashboard, in a real headless Chromium: the graph readable on a
 * phone and naming each node's model, no run state before a run, a one-line phone navigation, times
 * in the server's zone, the recent runs, and a warning when no model can run.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardFirstHourTest {
    static final String NODES = "[data-node-id]";
    /** Rendered text under this many CSS pixels is hard to read on a phone. */
    static final double READABLE_PX = 11;

    @TempDir
    static Path dir;
    static Path home;
    final LlmStandIn llm = new LlmStandIn();
    TestServer t;
    Browser browser;

    @BeforeAll
    void start() throws Exception {
        home = TestHome.create(dir.resolve("home"));
        Files.writeString(home.resolve("workflows/original.json"), """
                {"name": "From the original UI", "nodes": [
                  {"id": "w", "type": "agentNode", "data": {"name": "Writer", "role": "Creative Writer", "goal": "Write a scene"}},
                  {"id": "e", "type": "agentNode", "data": {"name": "Dev Editor", "goal": "Review it", "model": "claude-3-5-sonnet"}}],
                 "edges": [{"source": "w", "target": "e"}]}
                """);
        llm.script(call -> Reply.text("fine"));
        t = TestServer.start(home, TestHome.env(home, llm, Map.of("BRAIN_TRUST_DEFAULT_MODEL", "claude-haiku-4-5")));
        browser = Browser.start();
    }

    @AfterAll
    void stop() throws Exception {
        Closer.closeAll(browser, t, llm);
    }

    @BeforeEach
    void phone() {
        browser.viewport(390, 844);
    }

    void open(TestServer server, String hash) {
        browser.open("http://127.0.0.1:" + server.server.port() + "/#/" + hash);
    }

    /** The smallest text in the graph as rendered: its font size times the scale the SVG is drawn at. */
    double smallestGraphTextPx() {
        return ((Number) browser.js("""
                const svg = document.querySelector('svg.graph');
                const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
                return Math.min(...[...svg.querySelectorAll('text')].map(t => parseFloat(getComputedStyle(t).fontSize) * scale));
                """)).doubleValue();
    }

    @Test
    @Order(1)
    void on_a_phone_the_graph_text_stays_readable_each_node_names_its_model_and_none_shows_a_state_before_a_run() {
        open(t, "workflows/editorial-pipeline");
        browser.waitUntil("seven nodes", d -> browser.all(NODES).size() == 7 ? true : null);
        assertThat(smallestGraphTextPx()).as("smallest rendered graph text, px").isGreaterThanOrEqualTo(READABLE_PX);
        WebElement box = browser.find("#workflow-graph");
        assertThat(((Number) browser.js("return arguments[0].scrollWidth", box)).intValue())
                .as("the three readers side by side are wider than a phone: the graph scrolls, it is not shrunk")
                .isGreaterThan(((Number) browser.js("return arguments[0].clientWidth", box)).intValue());
        assertThat(browser.all(NODES)).allSatisfy(n -> {
            assertThat(n.getAttribute("data-status")).isEqualTo("idle");
            assertThat(n.getText()).doesNotContain("waiting").doesNotContain("default model").contains("claude-haiku-4-5");
        });
        browser.screenshot("first-hour-graph-phone");

        open(t, "workflows/original");
        browser.waitUntil("two nodes", d -> browser.all(NODES).size() == 2 ? true : null);
        WebElement editor = browser.find("[data-node-id='e']");
        assertThat(editor.getText()).contains("claude-3-5-sonnet");
        assertThat(editor.findElement(org.openqa.selenium.By.tagName("title")).getAttribute("textContent"))
                .contains("claude-3-5-sonnet → claude-sonnet-4-5");
        assertThat(browser.find("[data-node-id='w'] title").getAttribute("textContent"))
                .contains("claude-haiku-4-5 (the default model)");
    }

    @Test
    @Order(2)
    void the_phone_navigation_is_one_line_and_the_other_pages_are_under_more() {
        open(t, "");
        browser.find("#capabilities");
        List<WebElement> row = browser.all(".nav > a, .nav > details > summary").stream().filter(WebElement::isDisplayed).toList();
        assertThat(row).extracting(WebElement::getText).containsExactly("Overview", "Context", "Skills", "Workflows", "Runs", "More");
        int top = row.get(0).getRect().getY();
        assertThat(row).allSatisfy(a -> assertThat(a.getRect().getY()).as(a.getText()).isEqualTo(top));
        WebElement nav = browser.find(".nav");
        assertThat(((Number) browser.js("return arguments[0].scrollWidth - arguments[0].clientWidth", nav)).intValue())
                .as("the row fits without scrolling").isLessThanOrEqualTo(1);
        browser.screenshot("first-hour-nav-phone");

        browser.click(".nav .more > summary");
        List<WebElement> more = browser.all(".nav .more-menu a").stream().filter(WebElement::isDisplayed).toList();
        assertThat(more).extracting(a -> a.getAttribute("data-page")).containsExactly("history", "schedules", "journal");
        browser.screenshot("first-hour-nav-more-phone");
        more.get(1).click(); // schedules
        browser.waitUntil("the schedules page", d -> "schedules".equals(browser.find("#main").getAttribute("data-page")) ? true : null);
        assertThat(browser.find(".nav .more").getAttribute("open")).as("the menu closes on the way").isNull();
        assertThat(browser.find(".nav .more > summary").getCssValue("background-color"))
                .as("More is marked as holding the page shown").isNotEqualTo(browser.find(".nav > a[data-page=runs]").getCssValue("background-color"));

        browser.viewport(1280, 800);
        assertThat(browser.all(".nav a").stream().filter(WebElement::isDisplayed).map(a -> a.getAttribute("data-page")).toList())
                .as("a wide screen shows every page in the row, and no More")
                .containsExactly("overview", "context", "skills", "workflows", "runs", "history", "schedules", "journal");
        assertThat(browser.find(".nav .more").isDisplayed()).isFalse();
    }

    @Test
    @Order(3)
    void times_are_in_the_servers_time_zone_whatever_the_browsers_zone_and_locale() {
        RunRecord run = t.brainTrust.runs().run(t.brainTrust.runs().loadSaved("original"), "test", null);
        browser.driver().executeCdpCommand("Emulation.setTimezoneOverride", Map.of("timezoneId", "Pacific/Kiritimati"));
        browser.driver().executeCdpCommand("Emulation.setLocaleOverride", Map.of("locale", "de-DE"));
        try {
            open(t, "runs");
            WebElement row = browser.find("#run-list tbody tr[data-run-id='" + run.id() + "']");
            String expected = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT)
                    .format(run.startedAt().atZone(ZoneId.systemDefault()));
            assertThat(row.getText()).contains(expected);
            String kiritimati = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT)
                    .format(run.startedAt().atZone(ZoneId.of("Pacific/Kiritimati")));
            assertThat(row.getText()).doesNotContain(kiritimati);
        } finally {
            browser.driver().executeCdpCommand("Emulation.setTimezoneOverride", Map.of("timezoneId", ""));
            browser.driver().executeCdpCommand("Emulation.setLocaleOverride", Map.of());
        }
    }

    @Test
    @Order(4)
    void the_overview_lists_the_recent_runs() {
        open(t, "");
        WebElement recent = browser.waitForText("#recent-runs", "From the original UI");
        assertThat(recent.getText()).contains("succeeded");
        assertThat(browser.find("#default-model").getText()).isEqualTo("claude-haiku-4-5 (Anthropic)");
        assertThat(browser.all("#no-model")).isEmpty();
        browser.screenshot("first-hour-overview-phone");
        recent.findElement(org.openqa.selenium.By.tagName("a")).click();
        browser.waitUntil("the runs page", d -> d.getCurrentUrl().contains("#/runs") ? true : null);
    }

    @Test
    @Order(5)
    void the_overview_says_when_no_model_can_run_and_how_to_fix_it(@TempDir Path otherHome) throws Exception {
        String closed;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closed = "http://127.0.0.1:" + socket.getLocalPort();
        }
        try (TestServer bare = TestServer.start(otherHome, Map.of("OLLAMA_BASE_URL", closed))) {
            open(bare, "");
            WebElement warning = browser.waitForText("#no-model", "No model can run yet");
            assertThat(warning.getText()).contains("gpt-4o-mini", "needs OpenAI, which has no key", "OPENAI_API_KEY",
                    "BRAIN_TRUST_DEFAULT_MODEL=ollama:llama3.2");
            assertThat(browser.find("#providers").getText()).contains("none can be used yet");
            assertThat(browser.find("#ollama").getText()).contains("does not answer at " + closed);
            assertThat(browser.find("#recent-runs").getText()).contains("No runs yet");
            browser.screenshot("first-hour-no-model-phone");
            browser.viewport(1280, 900);
            browser.screenshot("first-hour-no-model-desktop");
        }
    }
}
