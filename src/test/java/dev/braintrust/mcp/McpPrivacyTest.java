package dev.braintrust.mcp;

import dev.braintrust.context.ContextSelection;
import dev.braintrust.testing.LlmStandIn;
import dev.braintrust.testing.RunningServer;
import dev.braintrust.testing.TestHome;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What MCP clients receive of context files marked {@code privacy: local} and {@code privacy: never},
 * under both values of BRAIN_TRUST_MCP_PRIVACY, through the official Java SDK's client (Streamable
 * HTTP, and stdio as desktop clients start it).
 */
class McpPrivacyTest {
    private static final String KEY = "mcp-privacy-key-0123456789";
    private static final String HEALTH = "Blood pressure 150/95 since March.";
    private static final String DIARY = "Dear diary, the thing nobody may know.";

    @TempDir
    Path dir;
    @AutoClose
    LlmStandIn llm = new LlmStandIn();
    Path home;
    RunningServer server;
    McpSyncClient client;

    @BeforeEach
    void home() throws Exception {
        home = TestHome.create(dir.resolve("home"));
        Files.writeString(home.resolve("context/HEALTH.md"), "---\nprivacy: local\n---\n" + HEALTH + "\n");
        Files.writeString(home.resolve("context/DIARY.md"), "---\nprivacy: never\n---\n" + DIARY + "\n");
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.closeGracefully();
        }
        if (server != null) {
            server.close();
        }
    }

    private void serve(Map<String, String> env) {
        Map<String, String> all = new java.util.HashMap<>(env);
        all.put("BRAIN_TRUST_API_KEY", KEY);
        server = RunningServer.start(home, llm, all);
        client = McpClients.http(server.url(), KEY, new McpClients.Heard());
    }

    private List<String> resourceUris() {
        return client.listResources().resources().stream().map(McpSchema.Resource::uri).toList();
    }

    private String read(String uri) {
        return McpClients.text(client.readResource(new McpSchema.ReadResourceRequest(uri)));
    }

    private McpSchema.CallToolResult getContext(Map<String, Object> args) {
        return client.callTool(new McpSchema.CallToolRequest("get_context", args));
    }

    private String prompt(String name, Map<String, Object> args) {
        return ((McpSchema.TextContent) client.getPrompt(new McpSchema.GetPromptRequest(name, args)).messages().get(0).content()).text();
    }

    /** Everything a client can get that carries context, as one text. */
    private String everythingHandedOut() {
        List<String> all = new ArrayList<>();
        for (String uri : resourceUris()) {
            all.add(read(uri));
        }
        all.add(McpClients.text(getContext(Map.of())));
        all.add(prompt("with-my-context", Map.of("instructions", "Help me.")));
        all.add(prompt("workflow-research-brief", Map.of("input", "sleep")));
        return String.join("\n", all);
    }

    @Test
    void by_default_clients_get_public_files_only_and_a_read_of_a_withheld_file_says_why() {
        serve(Map.of());

        assertThat(resourceUris()).contains("brain-trust://context/MISSION.md")
                .doesNotContain("brain-trust://context/HEALTH.md", "brain-trust://context/DIARY.md");
        String out = everythingHandedOut();
        assertThat(out).contains(TestHome.MISSION).doesNotContain(HEALTH).doesNotContain(DIARY).doesNotContain("privacy:");
        assertThat(read("brain-trust://telos")).contains(ContextSelection.WITHHELD_NOTICE).doesNotContain("Health").doesNotContain("Diary");

        assertThatThrownBy(() -> read("brain-trust://context/HEALTH.md")).isInstanceOf(McpError.class)
                .hasMessageContaining("context/HEALTH.md is marked 'privacy: local'").hasMessageContaining("BRAIN_TRUST_MCP_PRIVACY=local");
        assertThatThrownBy(() -> read("brain-trust://context/DIARY")).isInstanceOf(McpError.class)
                .hasMessageContaining("context/DIARY.md is marked 'privacy: never'").hasMessageContaining("never handed out");
        McpSchema.CallToolResult diary = getContext(Map.of("file", "DIARY.md"));
        assertThat(diary.isError()).isTrue();
        assertThat(McpClients.text(diary)).contains("'privacy: never'").doesNotContain(DIARY);
        assertThat(McpClients.text(getContext(Map.of("file", "nothing.md")))).contains("the files are: MISSION.md")
                .doesNotContain("HEALTH.md").doesNotContain("DIARY.md");
    }

    @Test
    void with_mcp_privacy_local_clients_also_get_local_files_but_never_a_never_file_or_front_matter() {
        serve(Map.of("BRAIN_TRUST_MCP_PRIVACY", "local"));

        assertThat(resourceUris()).contains("brain-trust://context/MISSION.md", "brain-trust://context/HEALTH.md")
                .doesNotContain("brain-trust://context/DIARY.md");
        assertThat(read("brain-trust://context/HEALTH.md")).isEqualTo(HEALTH);
        String out = everythingHandedOut();
        assertThat(out).contains(HEALTH).doesNotContain(DIARY).doesNotContain("privacy:").doesNotContain(ContextSelection.WITHHELD_NOTICE);
        assertThat(prompt("with-my-context", Map.of())).contains("## Health\n" + HEALTH);
        assertThat(McpClients.text(getContext(Map.of("file", "HEALTH")))).isEqualTo(HEALTH);

        assertThatThrownBy(() -> read("brain-trust://context/DIARY.md")).isInstanceOf(McpError.class)
                .hasMessageContaining("'privacy: never'");
        assertThat(getContext(Map.of("file", "DIARY.md")).isError()).isTrue();
    }

    @Test
    void brain_trust_mcp_over_stdio_follows_the_same_setting() {
        client = McpClients.stdio(home, TestHome.env(home, llm, Map.of("BRAIN_TRUST_MCP_PRIVACY", "local")), new McpClients.Heard());

        assertThat(resourceUris()).contains("brain-trust://context/HEALTH.md").doesNotContain("brain-trust://context/DIARY.md");
        assertThat(read("brain-trust://telos")).contains(HEALTH).doesNotContain(DIARY);
        assertThatThrownBy(() -> read("brain-trust://context/DIARY.md")).hasMessageContaining("'privacy: never'");
    }
}
