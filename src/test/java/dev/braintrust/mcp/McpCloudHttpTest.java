package dev.braintrust.mcp;

import dev.braintrust.Config;
import dev.braintrust.testing.LlmStandIn;
import dev.braintrust.testing.Poll;
import dev.braintrust.testing.RemoteFixture;
import dev.braintrust.testing.RunningServer;
import dev.braintrust.testing.TestHome;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** In cloud mode a sync is the edit: the server's MCP clients hear what it changed. */
class McpCloudHttpTest {
    @TempDir
    Path dir;

    @Test
    void a_sync_tells_subscribed_clients_what_changed_and_lists_new_files() throws Exception {
        try (RemoteFixture remote = RemoteFixture.create(dir.resolve("git"), "main"); LlmStandIn llm = new LlmStandIn()) {
            String first = remote.commitAndPush("first", "context/MISSION.md", "Mission one.", "context/GOALS.md", "g",
                    "context/BELIEFS.md", "b");
            Path home = dir.resolve("home");
            try (RunningServer server = RunningServer.start(Config.fromEnv(TestHome.env(home, llm,
                    Map.of("BRAIN_TRUST_GIT_URL", remote.url(), "BRAIN_TRUST_SYNC_INTERVAL", "0"))))) {
                Poll.until(Duration.ofSeconds(30), "the first clone", () -> first.equals(server.brainTrust.status().revision()));
                McpClients.Heard heard = new McpClients.Heard();
                McpSyncClient client = McpClients.http(server.url(), null, heard);
                try {
                    client.subscribeResource(new McpSchema.SubscribeRequest("brain-trust://context/MISSION.md"));
                    client.subscribeResource(new McpSchema.SubscribeRequest("brain-trust://context/GOALS.md"));
                    String second = remote.commitAndPush("second", "context/MISSION.md", "Mission two.", "context/RESEARCH.md", "r");
                    server.brainTrust.sync().orElseThrow().syncNow("test");
                    Poll.until(Duration.ofSeconds(15), "resources/updated for MISSION.md",
                            () -> heard.updatedUris.contains("brain-trust://context/MISSION.md"));
                    Poll.until(Duration.ofSeconds(15), "a list with RESEARCH.md", () -> heard.resourceLists.stream()
                            .anyMatch(l -> l.contains("brain-trust://context/RESEARCH.md")));
                    assertThat(heard.updatedUris).doesNotContain("brain-trust://context/GOALS.md");
                    McpSchema.ReadResourceResult read = client.readResource(new McpSchema.ReadResourceRequest("brain-trust://context/MISSION.md"));
                    assertThat(McpClients.text(read)).isEqualTo("Mission two.");
                    assertThat(read.meta()).containsEntry("revision", second);
                } finally {
                    client.closeGracefully();
                }
            }
        }
    }
}
