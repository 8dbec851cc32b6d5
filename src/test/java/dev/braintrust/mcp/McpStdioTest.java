package dev.braintrust.mcp;

import dev.braintrust.Config;
import dev.braintrust.cli.CliRun;
import dev.braintrust.journal.RunRecord;
import dev.braintrust.journal.RunStore;
import dev.braintrust.journal.RunSummary;
import dev.braintrust.testing.LlmStandIn;
import dev.braintrust.testing.Poll;
import dev.braintrust.testing.RemoteFixture;
import dev.braintrust.testing.RunningServer;
import dev.braintrust.testing.TestHome;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code brain-trust mcp} as desktop clients run it: a child JVM (with the launcher's heap limit)
 * speaking MCP over stdio, driven by the official Java SDK's client, over the home of a server that
 * runs at the same time, in local and in cloud mode.
 */
class McpStdioTest {
    @TempDir
    Path dir;
    @AutoClose
    LlmStandIn llm = new LlmStandIn();
    RunningServer server;
    McpSyncClient client;
    final McpClients.Heard heard = new McpClients.Heard();

    @AfterEach
    void stop() {
        if (client != null) {
            client.closeGracefully();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void serves_the_same_content_as_the_running_server_of_the_same_home_and_records_into_its_history() throws Exception {
        Path home = TestHome.create(dir.resolve("home"));
        server = RunningServer.start(home, llm, Map.of());
        client = McpClients.stdio(home, TestHome.env(home, llm, Map.of()), heard);

        assertThat(client.listResources().resources().stream().map(McpSchema.Resource::uri).toList())
                .contains("brain-trust://telos", "brain-trust://context/MISSION.md", "brain-trust://workflows/research-brief");
        McpSchema.ReadResourceResult mission = client.readResource(new McpSchema.ReadResourceRequest("brain-trust://context/MISSION.md"));
        assertThat(McpClients.text(mission)).isEqualTo(TestHome.MISSION);
        assertThat(mission.meta()).containsEntry("revision", server.brainTrust.context().snapshot().revision());
        assertThat(client.listPrompts().prompts().stream().map(McpSchema.Prompt::name).toList())
                .contains("with-my-context", "workflow-research-brief");

        client.subscribeResource(new McpSchema.SubscribeRequest("brain-trust://context/MISSION.md"));
        Files.writeString(home.resolve("context/MISSION.md"), "Publish the guide in print.\n");
        Poll.until(Duration.ofSeconds(15), "resources/updated over stdio", () -> heard.updatedUris.contains("brain-trust://context/MISSION.md"));
        assertThat(McpClients.text(client.readResource(new McpSchema.ReadResourceRequest("brain-trust://context/MISSION.md"))))
                .isEqualTo("Publish the guide in print.");

        McpSchema.CallToolResult counted = client.callTool(new McpSchema.CallToolRequest("word_count", Map.of("text", "a b c d")));
        assertThat(McpClients.text(counted)).contains("words=4");
        llm.script(call -> LlmStandIn.Reply.text("brief for " + (call.taskContains("# INPUT") ? "input" : "editor")));
        McpSchema.CallToolResult ran = client.callTool(new McpSchema.CallToolRequest("run_workflow",
                Map.of("name", "research-brief", "input", "tidal power")));
        assertThat(McpClients.text(ran)).isEqualTo("brief for editor");
        @SuppressWarnings("unchecked")
        String runId = (String) ((Map<String, Object>) ran.structuredContent()).get("runId");

        // the server's run history has both, recorded by the other process
        RunRecord run = server.brainTrust.runs().get(runId);
        assertThat(run.source()).isEqualTo("mcp:" + McpClients.CLIENT_NAME);
        assertThat(run.succeeded()).isTrue();
        assertThat(llm.calls().get(0).task()).contains("# INPUT\ntidal power");
        List<RunSummary> tools = server.brainTrust.runs().list(20, 0).stream().filter(r -> r.workflow().startsWith("tool word_count (")).toList();
        assertThat(tools).singleElement().satisfies(r -> assertThat(r.source()).isEqualTo("mcp:" + McpClients.CLIENT_NAME));
    }

    @Test
    void refuses_a_home_that_does_not_exist_saying_how_to_make_one() {
        CliRun run = CliRun.run(Map.of("HOME", dir.toString()), "mcp", "--home", dir.resolve("nowhere").toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("brain-trust init");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void never_migrates_the_run_database_of_the_home_it_serves() throws Exception {
        Path home = TestHome.create(dir.resolve("home"));
        client = McpClients.stdio(home, TestHome.env(home, llm, Map.of()), heard);

        McpSchema.CallToolResult counted = client.callTool(new McpSchema.CallToolRequest("word_count", Map.of("text", "x y")));
        assertThat(McpClients.text(counted)).contains("words=2");
        McpSchema.CallToolResult ran = client.callTool(new McpSchema.CallToolRequest("run_workflow", Map.of("name", "research-brief")));
        assertThat(ran.isError()).isTrue();
        assertThat(McpClients.text(ran)).contains("not set up for this version yet", "start 'brain-trust serve' once");
        assertThat(llm.requestCount()).isZero();
        client.closeGracefully();
        client = null;

        Config config = TestHome.config(home, llm, Map.of());
        assertThatThrownBy(() -> RunStore.openWithoutMigrating(config, home.resolve("state"), Clock.systemUTC()).close())
                .hasMessageContaining("migration");
        String journal = Files.readString(home.resolve("logs").resolve(java.time.LocalDate.now() + ".md"));
        assertThat(journal).contains("tool word_count (mcp:" + McpClients.CLIENT_NAME + ")");
    }

    @Test
    void in_cloud_mode_follows_the_commits_the_server_syncs_to_and_never_syncs_itself() throws Exception {
        RemoteFixture remote = RemoteFixture.create(dir.resolve("git"), "main");
        try {
            String first = remote.commitAndPush("first", "context/MISSION.md", "Mission one.", "context/GOALS.md", "g",
                    "context/BELIEFS.md", "b", "workflows/solo.json",
                    "{\"nodes\":[{\"id\":\"a\",\"type\":\"agentNode\",\"data\":{\"name\":\"Solo\",\"prompt\":\"Say hi\"}}],\"edges\":[]}");
            Path home = dir.resolve("cloud-home");
            Map<String, String> env = new HashMap<>(TestHome.env(home, llm, Map.of("BRAIN_TRUST_GIT_URL", remote.url(),
                    "BRAIN_TRUST_SYNC_INTERVAL", "0")));
            server = RunningServer.start(Config.fromEnv(env));
            Poll.until(Duration.ofSeconds(30), "the first clone", () -> first.equals(server.brainTrust.status().revision()));
            client = McpClients.stdio(home, env, heard);

            McpSchema.ReadResourceResult read = client.readResource(new McpSchema.ReadResourceRequest("brain-trust://context/MISSION.md"));
            assertThat(McpClients.text(read)).isEqualTo("Mission one.");
            assertThat(read.meta()).containsEntry("revision", first);
            client.subscribeResource(new McpSchema.SubscribeRequest("brain-trust://context/MISSION.md"));

            String second = remote.commitAndPush("second", "context/MISSION.md", "Mission two.");
            Thread.sleep(2_500); // longer than the client's look at the home: it must not fetch by itself
            assertThat(McpClients.text(client.readResource(new McpSchema.ReadResourceRequest("brain-trust://context/MISSION.md"))))
                    .isEqualTo("Mission one.");

            server.brainTrust.sync().orElseThrow().syncNow("test");
            Poll.until(Duration.ofSeconds(15), "resources/updated after the server's sync",
                    () -> heard.updatedUris.contains("brain-trust://context/MISSION.md"));
            McpSchema.ReadResourceResult after = client.readResource(new McpSchema.ReadResourceRequest("brain-trust://context/MISSION.md"));
            assertThat(McpClients.text(after)).isEqualTo("Mission two.");
            assertThat(after.meta()).containsEntry("revision", second);
            assertThat(client.listTools().tools().stream().map(McpSchema.Tool::name).toList()).contains("run_workflow");
        } finally {
            remote.close();
        }
    }
}
