package dev.braintrust.server;

import dev.braintrust.BrainTrust;
import dev.braintrust.Config;
import dev.braintrust.testing.Browser;
import dev.braintrust.testing.Closer;
import dev.braintrust.testing.LlmStandIn;
import dev.braintrust.testing.LlmStandIn.Reply;
import dev.braintrust.testing.RemoteFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.WebElement;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard against a server in cloud mode that asks for an API key: the key dialog (a wrong key,
 * then the right one) and "Sync now" following a push to a real bare repository.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardCloudTest {
    static final String KEY = "cloud-dashboard-key-5f1d2c";

    @TempDir
    static Path dir;
    RemoteFixture remote;
    final LlmStandIn llm = new LlmStandIn();
    BrainTrust bt;
    ApiServer server;
    Browser browser;

    @BeforeAll
    void start() {
        remote = RemoteFixture.create(dir, "main");
        remote.commitAndPush("first", "context/MISSION.md", "# Mission\n\nKeep the mirror honest.\n",
                "context/GOALS.md", "# Goals\n\n- the first goal\n", "context/BELIEFS.md", "# Beliefs\n\n- git is the truth\n",
                "workflows/solo.json", "{\"name\":\"Solo\",\"nodes\":[{\"id\":\"s\",\"type\":\"agentNode\",\"data\":{\"name\":\"Soloist\",\"goal\":\"Play\"}}],\"edges\":[]}");
        Map<String, String> env = new HashMap<>(llm.env());
        env.putAll(Map.of("HOME", dir.toString(), "PAI_HOME", dir.resolve("home").toString(),
                "BRAIN_TRUST_GIT_URL", remote.url(), "BRAIN_TRUST_PORT", "0", "BRAIN_TRUST_SYNC_INTERVAL", "0",
                "BRAIN_TRUST_API_KEY", KEY));
        llm.script(call -> Reply.text("solo played").after(300));
        bt = BrainTrust.open(Config.fromEnv(env));
        bt.sync().orElseThrow().syncNow("test"); // what serve does at start in cloud mode
        server = new ApiServer(bt).start();
        browser = Browser.start();
    }

    @AfterAll
    void stop() throws Exception {
        Closer.closeAll(browser, server, bt, remote, llm);
    }

    String base() {
        return "http://127.0.0.1:" + server.port();
    }

    @Test
    @Order(1)
    void a_wrong_key_is_refused_then_the_right_one_opens_the_dashboard_for_the_session() {
        browser.viewport(390, 844);
        browser.open(base() + "/#/");
        WebElement input = browser.find("#key-dialog[open] #key-input");
        input.sendKeys("not-the-key");
        browser.click("#key-submit");
        browser.waitForText("#key-message", "Wrong API key");
        assertThat(browser.all("#key-dialog[open]")).as("the dialog stays open").hasSize(1);
        browser.screenshot("api-key-wrong-phone");

        input.clear();
        input.sendKeys(KEY);
        browser.click("#key-submit");
        browser.waitUntil("the dialog to close", d -> browser.all("#key-dialog[open]").isEmpty());
        browser.waitForText("#mode", "Cloud mode");
        assertThat(browser.js("return sessionStorage.getItem('brainTrust.apiKey')")).isEqualTo(KEY);

        browser.driver().navigate().refresh();
        browser.waitForText("#mode", "Cloud mode");
        assertThat(browser.all("#key-dialog[open]")).as("asked once per browser session").isEmpty();
    }

    @Test
    @Order(2)
    void overview_in_cloud_mode_names_the_repository_and_the_last_sync() {
        browser.viewport(1280, 900);
        browser.open(base() + "/#/");
        WebElement mode = browser.waitForText("#mode", "Cloud mode");
        assertThat(mode.getText()).contains("the git repository " + remote.url() + " (branch main)", "read-only mirror");
        WebElement sync = browser.find("#sync");
        assertThat(sync.getText()).contains(remote.url(), remote.head().substring(0, 12));
        assertThat(browser.find("#sync-last-outcome").getText()).isEqualTo("updated");
        assertThat(browser.find("#mode-badge").getText()).isEqualTo("cloud mode");
    }

    @Test
    @Order(3)
    void sync_now_brings_a_pushed_commit_to_the_server() {
        browser.viewport(1280, 900);
        String before = bt.context().snapshot().revision();
        String pushed = remote.commitAndPush("second", "context/GOALS.md", "# Goals\n\n- a goal pushed from elsewhere\n");
        browser.open(base() + "/#/");
        browser.click("#sync-now");
        WebElement outcome = browser.waitForText("#sync-outcome", "Synced to " + pushed.substring(0, 12));
        assertThat(outcome.getText()).contains("was " + before.substring(0, 12), "1 file changed");
        assertThat(browser.find("#sync .changed").getText()).contains("context/GOALS.md");
        browser.waitForText("#context-summary", pushed.substring(0, 12));
        browser.screenshot("overview-cloud-desktop");
        browser.viewport(390, 844);
        browser.screenshot("overview-cloud-phone");

        browser.viewport(1280, 900);
        browser.open(base() + "/#/context");
        browser.waitForText("[data-file='GOALS.md'] .markdown", "a goal pushed from elsewhere");
        assertThat(browser.find(".live").getText()).contains("Cloud mode");

        browser.open(base() + "/#/");
        browser.click("#sync-now");
        browser.waitForText("#sync-outcome", "Already up to date at " + pushed.substring(0, 12));
    }

    @Test
    @Order(4)
    void workflows_are_read_only_in_cloud_mode_and_say_why() throws Exception {
        browser.viewport(1280, 900);
        browser.open(base() + "/#/workflows");
        browser.waitForText("#workflow-list", "Solo").findElement(org.openqa.selenium.By.linkText("Solo")).click();
        browser.waitUntil("the graph", d -> browser.all("[data-node-id='s']").isEmpty() ? null : true);
        assertThat(browser.find("#save-workflow").isEnabled()).isFalse();
        assertThat(browser.find("#workflow-name").isEnabled()).isFalse();
        assertThat(browser.find("#save-note").getText()).contains("cloud mode", "git repository is the source of truth", "push");
        browser.screenshot("workflow-cloud-desktop");

        java.net.http.HttpResponse<String> put = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(base() + "/api/v1/workflows/solo"))
                        .header("X-API-Key", KEY).header("Content-Type", "application/json")
                        .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("{\"nodes\":[],\"edges\":[]}")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).isEqualTo(409);
        assertThat(put.body()).contains("cloud mode", "workflows/solo.json");
        assertThat(bt.runs().loadSaved("solo").agents()).hasSize(1);
    }

    @Test
    @Order(5)
    void a_run_with_the_key_follows_its_events_and_opens_its_page() {
        browser.viewport(1280, 900);
        browser.open(base() + "/#/workflows/solo");
        browser.waitUntil("the graph", d -> browser.all("[data-node-id='s']").isEmpty() ? null : true);
        browser.recordAttribute("#workflow-graph", "data-node-id", "data-status");
        browser.click("#run-workflow");
        browser.waitForText("#run-outcome", "succeeded");
        assertThat(browser.find("[data-node-id='s']").getAttribute("data-status")).isEqualTo("done");
        assertThat(browser.recorded().get("s")).containsSubsequence("running", "done");
        assertThat(browser.find("#run-events").getText()).contains("Soloist started", "Soloist succeeded");
        assertThat(browser.find("#run-results .final-output").getText()).isEqualTo("solo played");

        browser.click("#run-status a");
        browser.waitForText("#run-status-value", "succeeded");
        assertThat(browser.find("#run-detail").getText()).contains("Solo", remote.head().substring(0, 12), "Soloist");
    }
}
