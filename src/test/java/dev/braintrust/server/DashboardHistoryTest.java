package dev.braintrust.server;

import dev.braintrust.BrainTrust;
import dev.braintrust.Config;
import dev.braintrust.history.History;
import dev.braintrust.journal.RunRecord;
import dev.braintrust.testing.Browser;
import dev.braintrust.testing.Closer;
import dev.braintrust.testing.LlmStandIn;
import dev.braintrust.testing.LlmStandIn.Reply;
import dev.braintrust.testing.Poll;
import dev.braintrust.testing.RemoteFixture;
import dev.braintrust.testing.TestHome;
import dev.braintrust.workflow.Workflow;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The History page, the run page's "context changed since this run" and replay, and pinning, in a real Chromium. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class DashboardHistoryTest {
    @TempDir
    static Path dir;
    Path home;
    final LlmStandIn llm = new LlmStandIn();
    TestServer t;
    Browser browser;

    @BeforeAll
    void start() {
        home = TestHome.create(dir.resolve("home"));
        TestHome.noSkills(home);
        llm.script(call -> Reply.text("Mission seen: " + call.system().lines()
                .dropWhile(l -> !l.equals("## Mission")).skip(1).findFirst().orElse("(none)")));
        t = TestServer.start(home, TestHome.env(home, llm, Map.of("BRAIN_TRUST_HISTORY_QUIET", "200ms")));
        t.brainTrust.watchForChanges();
        browser = Browser.start();
    }

    @AfterAll
    void stop() throws Exception {
        Closer.closeAll(browser, t, llm);
    }

    @BeforeEach
    void desktop() {
        browser.viewport(1280, 900);
    }

    void open(String base, String hash) {
        browser.open(base + "/#/" + hash);
    }

    String local() {
        return "http://127.0.0.1:" + t.server.port();
    }

    int versions(History history) {
        return history.list(null, History.MAX_PAGE, 0).versions().size();
    }

    void waitForVersions(int n) {
        Poll.until(Duration.ofSeconds(10), n + " versions", () -> versions(t.brainTrust.history()) >= n);
    }

    @Test
    @org.junit.jupiter.api.Order(1)
    void the_history_page_shows_the_timeline_a_coloured_diff_and_restores_a_file_after_confirmation() throws Exception {
        waitForVersions(1);
        int before = versions(t.brainTrust.history());
        Files.writeString(home.resolve("context/MISSION.md"), "A sharper mission.\n");
        waitForVersions(before + 1);

        open(local(), "history");
        browser.waitUntil("the versions", d -> browser.all("#history-list li[data-id]").size() == before + 1 ? true : null);
        WebElement newest = browser.all("#history-list li[data-id]").get(0);
        assertThat(newest.getText()).contains("edit", "now", "context/MISSION.md", "+1", "−1");
        newest.findElement(By.cssSelector("a.version-link")).click();
        WebElement added = browser.waitForText("#diff .line.add", "+A sharper mission.");
        WebElement deleted = browser.waitForText("#diff .line.del", "-" + TestHome.MISSION);
        assertThat(added.getCssValue("background-color")).isNotEqualTo(deleted.getCssValue("background-color"));
        assertThat(added.getCssValue("color")).isNotEqualTo(deleted.getCssValue("color"));
        browser.screenshot("history-desktop");

        List<WebElement> items = browser.all("#history-list li[data-id]");
        items.get(items.size() - 1).findElement(By.cssSelector("a.version-link")).click();
        browser.waitForText("#history-detail", "What it holds");
        WebElement restore = browser.find("#diff .file-diff[data-path='context/MISSION.md'] .restore-file");
        restore.click();
        browser.waitForText("#confirm-dialog", "The text you have now is kept as a version first");
        browser.click("#confirm-cancel");
        assertThat(Files.readString(home.resolve("context/MISSION.md"))).isEqualTo("A sharper mission.\n");

        browser.click("#diff .file-diff[data-path='context/MISSION.md'] .restore-file");
        browser.click("#confirm-ok");
        browser.waitForText("#action-outcome", "The text you had is kept as version");
        assertThat(Files.readString(home.resolve("context/MISSION.md"))).isEqualTo(TestHome.MISSION + "\n");
        browser.waitUntil("the restore in the timeline", d ->
                "restore".equals(browser.all("#history-list li[data-id]").get(0).getAttribute("data-source")) ? true : null);
        browser.viewport(390, 844);
        browser.screenshot("history-phone");
    }

    @Test
    @org.junit.jupiter.api.Order(2)
    void a_run_page_says_the_context_changed_since_the_run_and_shows_its_replay_side_by_side() throws Exception {
        Workflow workflow = Workflow.fromJson(dev.braintrust.Json.mapper().readTree(HistoryRoutesTest.ONE_AGENT), "brief");
        RunRecord run = t.brainTrust.runs().run(workflow, "api", null);
        assertThat(run.finalOutput()).isEqualTo("Mission seen: " + TestHome.MISSION);
        Files.writeString(home.resolve("context/MISSION.md"), "The mission of today.\n");
        Poll.until(Duration.ofSeconds(10), "the edit seen", () -> !t.brainTrust.context().snapshot().revision().equals(run.revision()));

        open(local(), "runs/" + run.id());
        browser.waitForText("#context-since", "Context changed since this run: 1 file");
        browser.click("#context-since-diff summary");
        browser.waitForText("#context-since .line.add", "+The mission of today.");
        browser.screenshot("run-context-changed-desktop");

        browser.click("#replay-recorded");
        WebElement sideBySide = browser.waitForText("#side-by-side", "Replay of " + run.id());
        browser.waitForText("#replay-output", "Mission seen: " + TestHome.MISSION);
        assertThat(browser.find("#original-output").getText()).contains("Mission seen: " + TestHome.MISSION);
        assertThat(sideBySide.getText()).contains("On the same context as the original");
        browser.screenshot("run-replay-side-by-side-desktop");

        open(local(), "runs/" + run.id());
        browser.click("#replay-current");
        browser.waitForText("#replay-output", "Mission seen: The mission of today.");
        browser.viewport(390, 844);
        browser.screenshot("run-replay-side-by-side-phone");
    }

    @Test
    @org.junit.jupiter.api.Order(3)
    void in_cloud_mode_a_commit_is_pinned_after_confirmation_and_the_overview_says_so() throws Exception {
        try (RemoteFixture remote = RemoteFixture.create(dir.resolve("cloud"), "main")) {
            String first = remote.commitAndPush("Mission: first words", "context/MISSION.md", "Mission one.\n",
                    "context/GOALS.md", "Goal.\n", "context/BELIEFS.md", "Belief.\n");
            remote.commitAndPush("Mission: second thoughts", "context/MISSION.md", "Mission two.\n");
            Map<String, String> env = new HashMap<>(TestHome.env(dir.resolve("cloud-home"), llm, Map.of(
                    "BRAIN_TRUST_GIT_URL", remote.url(), "BRAIN_TRUST_PORT", "0", "BRAIN_TRUST_SYNC_INTERVAL", "0")));
            try (BrainTrust bt = BrainTrust.open(Config.fromEnv(env)); ApiServer server = new ApiServer(bt).start()) {
                bt.sync().orElseThrow().syncNow("test");
                String base = "http://127.0.0.1:" + server.port();
                open(base, "history");
                browser.waitUntil("two commits", d -> browser.all("#history-list li[data-id]").size() == 2 ? true : null);
                WebElement older = browser.find("#history-list li[data-id='" + first + "']");
                assertThat(older.getText()).contains("sync", "Author: Mission: first words");
                older.findElement(By.cssSelector("a.version-link")).click();
                browser.click("#pin-version");
                browser.waitForText("#confirm-dialog", "stops following main until you unpin");
                browser.click("#confirm-ok");
                browser.waitForText("#action-outcome", "pinned to " + first.substring(0, 12) + ", 1 commit behind main");
                assertThat(bt.context().snapshot().revision()).isEqualTo(first);
                browser.waitForText("#pin-note", "1 commit behind main");
                browser.screenshot("history-pinned-desktop");

                open(base, "");
                browser.waitForText("#sync #pin-note", "pinned to " + first.substring(0, 12));
                browser.waitUntil("the pinned check", d -> browser.all("#health li[data-check='sync'][data-state='pinned']").isEmpty() ? null : true);
                browser.screenshot("overview-pinned-desktop");

                open(base, "history");
                browser.click("#unpin");
                browser.click("#confirm-ok");
                browser.waitForText("#action-outcome", "Following main again");
                assertThat(bt.context().snapshot().text("MISSION.md")).isEqualTo("Mission two.");
                assertThat(browser.all("#pin-note")).isEmpty();
            }
        }
    }
}
