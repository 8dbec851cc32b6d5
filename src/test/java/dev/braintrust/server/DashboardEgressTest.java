package dev.braintrust.server;

import dev.braintrust.context.ContextSelection;
import dev.braintrust.journal.RunRecord;
import dev.braintrust.testing.Browser;
import dev.braintrust.testing.Closer;
import dev.braintrust.testing.LlmStandIn;
import dev.braintrust.testing.LlmStandIn.Reply;
import dev.braintrust.testing.TestHome;
import dev.braintrust.workflow.AgentNode;
import dev.braintrust.workflow.Workflow;
import dev.braintrust.workflow.WorkflowEdge;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.WebElement;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** What leaves the machine, in a real headless Chromium: the run page's ledger, today's spend, the files' tiers. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardEgressTest {
    @TempDir
    static Path dir;
    final LlmStandIn llm = new LlmStandIn();
    TestServer t;
    Browser browser;
    RunRecord run;

    @BeforeAll
    void start() throws Exception {
        Path home = TestHome.create(dir.resolve("home"));
        TestHome.noSkills(home);
        Files.writeString(home.resolve("context/HEALTH.md"), "---\nprivacy: local\n---\nPrivate health notes.\n");
        Files.writeString(home.resolve("context/DIARY.md"), "---\nprivacy: never\n---\nDear diary.\n");
        llm.script(call -> call.wire() == LlmStandIn.Wire.OLLAMA ? Reply.text("at home").withoutUsage()
                : Reply.text("in the cloud").usage(400_000, 100_000));
        t = TestServer.start(home, TestHome.env(home, llm, Map.of("BRAIN_TRUST_DAILY_BUDGET", "0.50")));
        run = t.brainTrust.runs().run(new Workflow("Two places", List.of(
                new AgentNode("c", "Cloud", null, "do c", null, null, "gpt-4o-mini"),
                new AgentNode("l", "Local", null, "do l", null, null, "ollama:llama3.2")),
                List.of(new WorkflowEdge("c", "l")), Map.of()), "test", null);
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
    void the_run_page_shows_each_model_call_with_its_bytes_and_what_each_agent_received_and_had_withheld() {
        open("runs/" + run.id());
        browser.waitForText("#run-status-value", "succeeded");
        assertThat(browser.find("#run-usage").getText()).contains("2 model calls").contains("500,000 tokens + 1 call(s) unknown")
                .contains("0.1200 USD");
        List<WebElement> rows = browser.all("table.ledger tbody tr");
        assertThat(rows).hasSize(2);
        for (int i = 0; i < 2; i++) {
            assertThat(rows.get(i).getAttribute("data-bytes")).isEqualTo(String.valueOf(llm.calls().get(i).bodyBytes()));
        }
        List<WebElement> steps = browser.all("details.step");
        steps.forEach(s -> browser.js("arguments[0].open = true", s));
        assertThat(steps.get(0).getText()).contains("Withheld: DIARY.md never, HEALTH.md local").contains("500,000 tokens");
        assertThat(steps.get(1).getText()).contains("HEALTH.md").contains("local").contains("unknown (the provider did not report them)")
                .contains("Cloud (");
        assertThat(steps.get(0).getText()).contains(ContextSelection.WITHHELD_NOTICE).doesNotContain("Private health notes");
        browser.screenshot("run-egress-desktop");
        browser.viewport(390, 844);
        browser.screenshot("run-egress-phone");
        browser.viewport(1280, 900);
    }

    @Test
    void the_overview_shows_todays_spend_against_the_daily_budget() {
        open("");
        WebElement card = browser.waitForText("#spend", "Today");
        long counted = t.brainTrust.runs().spentToday().tokens(); // 500,000 reported + the unreported call's estimate
        assertThat(counted).isGreaterThan(500_000);
        assertThat(browser.find("#spend-today").getText()).isEqualTo(String.format(java.util.Locale.ROOT, "0.1200 USD · %,d tokens", counted));
        assertThat(browser.find("#spend-budget").getText()).isEqualTo("0.5000 USD a day");
        WebElement meter = card.findElement(org.openqa.selenium.By.cssSelector("[role=meter]"));
        assertThat(meter.getAttribute("aria-valuemax")).isEqualTo("0.5");
        assertThat(Double.parseDouble(meter.getAttribute("aria-valuenow"))).isEqualTo(0.12);
        assertThat(card.getAttribute("data-exhausted")).isEqualTo("false");
        browser.screenshot("overview-spend-desktop");
    }

    @Test
    void the_context_page_marks_each_files_tier() {
        open("context");
        browser.waitForText("#context-files", "HEALTH.md");
        assertThat(browser.find("[data-file='HEALTH.md'] .chip.privacy").getText()).isEqualTo("local");
        assertThat(browser.find("[data-file='DIARY.md'] .chip.privacy").getText()).isEqualTo("never");
        assertThat(browser.find("[data-file='DIARY.md'] .markdown").getText()).isEqualTo("Dear diary.");
        assertThat(browser.all("[data-file='MISSION.md'] .chip.privacy")).isEmpty();
    }

    @Test
    void checking_a_workflow_shows_what_each_agent_would_receive() {
        open("workflows/research-brief");
        browser.click("#validate-workflow");
        browser.waitForText("#validation-verdict", "Valid");
        assertThat(browser.all("#validation .context-share")).isNotEmpty().allSatisfy(line -> assertThat(line.getAttribute("textContent"))
                .contains("MISSION.md").contains("withheld: DIARY.md (never), HEALTH.md (local)"));
    }
}
