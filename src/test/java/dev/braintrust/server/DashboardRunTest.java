package dev.braintrust.server;

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
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Workflows and runs in the dashboard, in a real headless Chromium against a real server whose
 * models are the LLM stand-in (a local HTTP server speaking the OpenAI protocol).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardRunTest {
    /** Every agent takes this long, so its "running" state is there to be seen. */
    static final long AGENT_MILLIS = 400;
    static final String PIPELINE_NODES = "[data-node-id]";

    @TempDir
    static Path dir;
    static Path home;
    final LlmStandIn llm = new LlmStandIn();
    TestServer t;
    Browser browser;

    @BeforeAll
    void start() {
        home = TestHome.create(dir.resolve("home"));
        llm.script(call -> Reply.text("Output for: " + call.task().lines().findFirst().orElse("")).after(AGENT_MILLIS));
        t = TestServer.start(home, TestHome.env(home, llm, Map.of()));
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

    void open(String hash) {
        browser.open("http://127.0.0.1:" + t.server.port() + "/#/" + hash);
    }

    /** The x of a node's box in the graph (its transform is translate(x y)). */
    double x(String nodeId) {
        String transform = browser.find("[data-node-id='" + nodeId + "']").getAttribute("transform");
        Matcher m = Pattern.compile("translate\\(([\\d.]+) ([\\d.]+)\\)").matcher(transform);
        assertThat(m.find()).as(transform).isTrue();
        return Double.parseDouble(m.group(1));
    }

    @Test
    @Order(1)
    void saved_workflows_are_listed_and_drawn_by_dag_level_with_arrows() {
        open("workflows");
        WebElement list = browser.waitForText("#workflow-list", "Editorial pipeline");
        assertThat(list.getText()).contains("7 agents", "research-brief");
        list.findElement(By.linkText("Editorial pipeline")).click();
        browser.waitUntil("seven nodes", d -> browser.all(PIPELINE_NODES).size() == 7 ? true : null);
        assertThat(browser.all("svg.graph path.edge")).hasSize(9);
        assertThat(browser.all("svg.graph path.edge")).allSatisfy(e -> assertThat(e.getAttribute("marker-end")).isEqualTo("url(#arrow)"));
        assertThat(x("writer-a")).isEqualTo(x("writer-b")).isLessThan(x("editor"));
        assertThat(x("reader-skeptic")).isEqualTo(x("reader-busy")).isEqualTo(x("reader-newcomer")).isGreaterThan(x("editor"));
        assertThat(x("final-editor")).isGreaterThan(x("reader-busy"));
        assertThat(browser.all(PIPELINE_NODES)).allSatisfy(n -> assertThat(n.getAttribute("data-status")).isEqualTo("idle"));
        browser.screenshot("workflow-desktop");
    }

    @Test
    @Order(2)
    void a_run_turns_every_node_running_then_done_live_and_shows_each_output() {
        open("workflows/editorial-pipeline");
        browser.waitUntil("seven nodes", d -> browser.all(PIPELINE_NODES).size() == 7 ? true : null);
        browser.recordAttribute("#workflow-graph", "data-node-id", "data-status");
        browser.click("#run-workflow");
        browser.waitUntil("a node running", d -> browser.all("[data-status='running']").isEmpty() ? null : true);
        browser.screenshot("workflow-running-desktop");
        browser.waitUntil("every node done", d -> browser.all("[data-status='done']").size() == 7 ? true : null);
        WebElement outcome = browser.waitForText("#run-outcome", "succeeded");
        assertThat(outcome.isDisplayed()).isTrue();

        Map<String, List<String>> seen = browser.recorded();
        assertThat(seen).hasSize(7);
        seen.forEach((node, states) -> assertThat(states).as(node).containsSubsequence("running", "done"));

        assertThat(browser.find("#run-results .final-output").getText()).startsWith("Output for: Revise the essay");
        List<WebElement> steps = browser.all("#run-results details.step");
        assertThat(steps).hasSize(7);
        assertThat(browser.find("#run-events").getText()).contains("Writer A started", "Final editor succeeded");
        String runId = browser.find("#run-panel").getAttribute("data-run-id");
        assertThat(t.brainTrust.runs().get(runId).status().label()).isEqualTo("succeeded");
        browser.screenshot("workflow-done-desktop");
        browser.viewport(390, 844);
        browser.screenshot("workflow-done-phone");
    }

    @Test
    @Order(3)
    void the_runs_page_lists_the_run_and_its_page_shows_every_step() {
        open("runs");
        WebElement row = browser.find("#run-list tbody tr[data-status='succeeded']");
        assertThat(row.getText()).contains("Editorial pipeline", "succeeded", "7");
        String runId = row.getAttribute("data-run-id");
        row.findElement(By.tagName("a")).click();
        browser.waitForText("#run-detail", "Final output");
        assertThat(browser.find("#run-status-value").getText()).isEqualTo("succeeded");
        List<WebElement> steps = browser.all("#run-detail details.step");
        assertThat(steps).hasSize(7);
        WebElement first = steps.get(0);
        first.findElement(By.tagName("summary")).click();
        String text = first.getText();
        assertThat(text).contains("Writer A", "gpt-4o-mini", "Tokens", "Duration", "System prompt", "Task", "Output", "Tool calls (0)");
        assertThat(first.findElements(By.cssSelector("pre.prompt")).get(0).getText())
                .contains("# USER CONTEXT (TELOS LAYER)", TestHome.MISSION, "You write with concrete examples");
        assertThat(first.findElements(By.cssSelector("pre.prompt")).get(1).getText()).contains("Draft an opening section");
        assertThat(first.findElement(By.cssSelector("pre.step-output")).getText()).startsWith("Output for:");
        browser.screenshot("run-desktop");
        browser.viewport(390, 844);
        browser.screenshot("run-phone");
        open("runs");
        browser.find("#run-list tbody tr[data-run-id='" + runId + "']");
        assertThat(browser.find("#older-runs").isDisplayed()).as("one run: nothing older to load").isFalse();
        browser.screenshot("runs-phone");
        browser.viewport(1280, 900);
        browser.screenshot("runs-desktop");
    }

    void edit(String json) {
        WebElement editor = browser.find("#workflow-json");
        editor.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.DELETE);
        browser.js("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input'))", editor, json);
    }

    @Test
    @Order(4)
    void the_editor_shows_the_servers_validation_then_saves_to_workflows() throws Exception {
        open("workflows/new");
        browser.find("#workflow-json");
        edit("{\"name\":\"Loop\",\"nodes\":[{\"id\":\"a\",\"type\":\"agentNode\",\"data\":{\"name\":\"A\",\"goal\":\"x\"}},"
                + "{\"id\":\"b\",\"type\":\"agentNode\",\"data\":{\"name\":\"B\",\"goal\":\"y\"}}],"
                + "\"edges\":[{\"source\":\"a\",\"target\":\"b\"},{\"source\":\"b\",\"target\":\"a\"}]}");
        browser.click("#validate-workflow");
        browser.waitUntil("a verdict", d -> browser.all("#workflow-messages p.muted").isEmpty() ? true : null);
        assertThat(browser.waitForText("#validation-error", "cycle").getText()).contains("A", "B");
        browser.screenshot("workflow-invalid-desktop");

        edit("{\"nodes\": [");
        browser.waitForText("#json-error", "Not valid JSON yet");

        String good = "{\"name\":\"Two steps\",\"nodes\":[{\"id\":\"a\",\"type\":\"agentNode\",\"data\":{\"name\":\"Asker\",\"goal\":\"Ask\"}},"
                + "{\"id\":\"b\",\"type\":\"agentNode\",\"data\":{\"name\":\"Answerer\",\"goal\":\"Answer\"}}],"
                + "\"edges\":[{\"source\":\"a\",\"target\":\"b\"}]}";
        edit(good);
        browser.waitUntil("the graph redrawn", d -> browser.all("[data-node-id='b']").isEmpty() ? null : true);
        browser.click("#validate-workflow");
        browser.waitUntil("a verdict", d -> browser.all("#workflow-messages p.muted").isEmpty() ? true : null);
        assertThat(browser.waitForText("#validation-verdict", "Valid").getText()).contains("2 agents");
        assertThat(browser.find("#validation").getText()).contains("Answerer");

        WebElement name = browser.find("#workflow-name");
        name.clear();
        name.sendKeys("two-steps");
        browser.click("#save-workflow");
        browser.waitForText("#save-outcome", "Saved to workflows/two-steps.json");
        assertThat(Files.readString(home.resolve("workflows/two-steps.json"))).contains("Answerer");

        edit(good.replace("\"edges\":[{\"source\":\"a\",\"target\":\"b\"}]",
                "\"edges\":[{\"source\":\"a\",\"target\":\"b\"},{\"source\":\"b\",\"target\":\"nowhere\"}]"));
        browser.click("#save-workflow");
        assertThat(browser.waitForText("#save-error", "nowhere").getText()).isNotBlank();
        assertThat(Files.readString(home.resolve("workflows/two-steps.json"))).doesNotContain("nowhere");
    }

    @Test
    @Order(5)
    void a_failing_agent_turns_red_and_its_downstream_is_skipped() {
        llm.script(call -> call.taskContains("Break") ? Reply.error(400, "{\"error\":{\"message\":\"bad request from the stand-in\"}}")
                : Reply.text("fine").after(100));
        open("workflows/new");
        browser.find("#workflow-json");
        edit("{\"name\":\"Fragile\",\"nodes\":["
                + "{\"id\":\"a\",\"type\":\"agentNode\",\"data\":{\"name\":\"Breaker\",\"goal\":\"Break\"}},"
                + "{\"id\":\"b\",\"type\":\"agentNode\",\"data\":{\"name\":\"After\",\"goal\":\"Follow\"}},"
                + "{\"id\":\"c\",\"type\":\"agentNode\",\"data\":{\"name\":\"Sibling\",\"goal\":\"Stand alone\"}}],"
                + "\"edges\":[{\"source\":\"a\",\"target\":\"b\"}]}");
        browser.waitUntil("the graph redrawn", d -> browser.all("[data-node-id='c']").isEmpty() ? null : true);
        browser.click("#run-workflow");
        browser.waitForText("#run-outcome", "failed");
        assertThat(browser.find("[data-node-id='a']").getAttribute("data-status")).isEqualTo("failed");
        assertThat(browser.find("[data-node-id='b']").getAttribute("data-status")).isEqualTo("skipped");
        assertThat(browser.find("[data-node-id='c']").getAttribute("data-status")).isEqualTo("done");
        browser.screenshot("workflow-failed-desktop");
    }

    @Test
    @Order(6)
    void a_run_page_opened_while_the_run_goes_on_follows_it_to_the_end() throws Exception {
        llm.script(call -> Reply.text("slow " + call.task().lines().findFirst().orElse("")).after(1000));
        String pair = "{\"workflow\":{\"name\":\"Slow pair\",\"nodes\":["
                + "{\"id\":\"w\",\"type\":\"agentNode\",\"data\":{\"name\":\"Writer\",\"goal\":\"Write\"}},"
                + "{\"id\":\"e\",\"type\":\"agentNode\",\"data\":{\"name\":\"Editor\",\"goal\":\"Edit\"}}],"
                + "\"edges\":[{\"source\":\"w\",\"target\":\"e\"}]}}";
        var started = t.post("/api/v1/runs", pair);
        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        String id = dev.braintrust.Json.mapper().readTree(started.body()).path("runId").asText();
        open("runs/" + id);
        browser.waitForText("#run-status-value", "running");
        browser.js("window.__samePage = true");
        browser.waitForText("#run-status-value", "succeeded");
        assertThat(browser.all("#run-detail details.step")).hasSize(2);
        assertThat(browser.find("#run-detail .final-output").getText()).isEqualTo("slow Edit");
        assertThat(browser.js("return window.__samePage")).as("followed without a reload").isEqualTo(true);
    }

    @Test
    @Order(7)
    void a_tool_call_shows_live_and_on_the_run_page() throws Exception {
        llm.script(call -> call.toolResults().isEmpty() ? Reply.tool("word_count", "{\"text\":\"one two three\"}")
                : Reply.text("counted: " + call.toolResults().get(0)));
        open("workflows/new");
        browser.find("#workflow-json");
        edit("{\"name\":\"Counter\",\"nodes\":[{\"id\":\"c\",\"type\":\"agentNode\",\"data\":{\"name\":\"Counter\",\"goal\":\"Count\"}}],\"edges\":[]}");
        browser.waitUntil("the graph redrawn", d -> browser.all("[data-node-id='c']").isEmpty() ? null : true);
        browser.click("#run-workflow");
        browser.waitForText("#run-outcome", "succeeded");
        assertThat(browser.find("#run-events").getText()).contains("Counter called word_count (ok)");
        assertThat(browser.find("#run-results .final-output").getText()).contains("counted:", "words=3");

        browser.click("#run-status a");
        WebElement step = browser.find("#run-detail details.step");
        step.findElement(By.tagName("summary")).click();
        WebElement calls = browser.waitForText("#run-detail .tool-calls", "word_count");
        assertThat(calls.getText()).contains("ok", "one two three", "words=3");
        browser.screenshot("run-tool-call-desktop");
    }
}
