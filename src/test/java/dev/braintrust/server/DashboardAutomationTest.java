package dev.braintrust.server;

import dev.braintrust.journal.RunStatus;
import dev.braintrust.testing.Browser;
import dev.braintrust.testing.Closer;
import dev.braintrust.testing.LlmStandIn;
import dev.braintrust.testing.LlmStandIn.Reply;
import dev.braintrust.testing.Poll;
import dev.braintrust.testing.TestHome;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.WebElement;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The Schedules page and approvals in the dashboard, in a real headless Chromium against a real server and the LLM stand-in. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardAutomationTest {
    @TempDir
    static Path dir;
    final LlmStandIn llm = new LlmStandIn();
    TestServer t;
    Browser browser;

    @BeforeAll
    void start() throws Exception {
        Path home = TestHome.create(dir.resolve("home"));
        TestHome.noSkills(home);
        Files.writeString(home.resolve("workflows/brief.json"), """
                {"name": "Brief", "schedule": {"cron": "0 7 * * 1-5", "timezone": "Asia/Tokyo", "input": "Headlines only"},
                 "on": [{"webhook": "inbox"}],
                 "nodes": [{"id": "w", "type": "agentNode", "data": {"name": "Writer", "goal": "Write the brief", "approval": "before"}},
                           {"id": "e", "type": "agentNode", "data": {"name": "Editor", "goal": "Edit it"}}],
                 "edges": [{"source": "w", "target": "e"}]}
                """);
        Files.writeString(home.resolve("workflows/broken.json"), """
                {"name": "Broken", "schedule": {"cron": "0 25 * * *", "timezone": "UTC"}, "nodes": []}
                """);
        llm.script(call -> Reply.text("Output for: " + call.task().lines().findFirst().orElse("")));
        t = TestServer.start(home, TestHome.env(home, llm, Map.of()));
        browser = Browser.start();
        browser.viewport(1280, 900);
    }

    @AfterAll
    void stop() throws Exception {
        Closer.closeAll(browser, t, llm);
    }

    void open(String hash) {
        browser.open("http://127.0.0.1:" + t.server.port() + "/#/" + hash);
    }

    @Test
    @Order(1)
    void the_schedules_page_shows_next_fires_in_the_zone_the_triggers_and_the_wrong_declarations() {
        open("schedules");
        WebElement card = browser.waitForText("#schedule-brief", "Asia/Tokyo");
        assertThat(browser.all("#schedule-brief .next-fires li")).hasSize(5)
                .allSatisfy(li -> assertThat(li.getText()).matches("\\w{3} \\d{1,2} \\w{3} \\d{4} 07:00 \\+09:00"));
        assertThat(card.getText()).contains("0 7 * * 1-5", "Headlines only", "No run yet.");
        assertThat(browser.find("#schedule-problems").getText()).contains("workflows/broken.json: schedule: cron '0 25 * * *' is not valid");
        assertThat(browser.find("#schedules").getText()).contains("POST /api/v1/triggers/inbox", "set BRAIN_TRUST_TRIGGER_SECRET_INBOX");
        browser.screenshot("schedules-desktop");
        browser.viewport(390, 844);
        browser.screenshot("schedules-phone");
        browser.viewport(1280, 900);
    }

    @Test
    @Order(2)
    void pause_and_resume_from_the_page() {
        open("schedules");
        browser.waitForText("#schedule-brief", "Asia/Tokyo");
        browser.click("#schedule-brief button.pause");
        browser.waitUntil("paused", d -> "true".equals(browser.find("#schedule-brief").getAttribute("data-paused")) ? true : null);
        assertThat(browser.find("#schedule-brief h2").getText()).contains("paused");
        browser.click("#schedule-brief button.resume");
        browser.waitUntil("resumed", d -> "false".equals(browser.find("#schedule-brief").getAttribute("data-paused")) ? true : null);
    }

    @Test
    @Order(3)
    void run_now_opens_the_run_which_waits_with_a_badge_then_approve_with_a_note_finishes_it() {
        open("schedules");
        browser.waitForText("#schedule-brief", "Asia/Tokyo");
        browser.click("#schedule-brief button.run-now");
        browser.waitForText("#approvals", "Approve this task before the agent runs it");
        browser.waitUntil("what is to be approved", d -> browser.find("#approvals").getText().contains("Writer")
                && browser.find("#approvals").getText().contains("Write the brief")
                && browser.find("#approvals").getText().contains("Headlines only") ? true : null);
        browser.waitUntil("the badge", d -> browser.find("#approval-badge").isDisplayed()
                && browser.find("#approval-badge").getText().equals("1") ? true : null);
        assertThat(browser.find("#run-status-value").getText()).isEqualTo("waiting");
        browser.screenshot("run-waiting-desktop");

        browser.find("#approvals textarea").sendKeys("Lead with the weather.");
        browser.click("#approvals button.approve");
        browser.waitForText("#run-status-value", "succeeded");
        assertThat(browser.find(".final-output").getText()).contains("Output for: Edit it");
        browser.waitUntil("the badge to go", d -> browser.find("#approval-badge").isDisplayed() ? null : true);
        String runId = t.brainTrust.runs().list(1, 0).get(0).id();
        assertThat(t.brainTrust.runs().approvals(runId).get(0).decidedBy()).isEqualTo("dashboard");
        assertThat(llm.calls().get(0).task()).contains("Lead with the weather.");
        assertThat(browser.consoleMessages()).noneMatch(m -> m.contains("SEVERE"));
    }

    @Test
    @Order(4)
    void reject_on_the_run_page_ends_the_run_rejected() {
        String id = t.brainTrust.schedules().runNow("brief").id();
        Poll.until(Duration.ofSeconds(20), "the run to wait", () -> t.brainTrust.runs().get(id).status() == RunStatus.WAITING);
        open("runs/" + id);
        browser.waitForText("#approvals", "Write the brief");
        browser.click("#approvals button.reject");
        browser.waitForText("#run-status-value", "rejected");
        assertThat(browser.find("#run-detail").getText()).contains("rejected by a human");
    }
}
