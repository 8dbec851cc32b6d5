package dev.braintrust.mcp;

import dev.braintrust.journal.RunRecord;
import dev.braintrust.journal.RunSummary;
import dev.braintrust.testing.LlmStandIn;
import dev.braintrust.testing.Poll;
import dev.braintrust.testing.RunningServer;
import dev.braintrust.testing.TestHome;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The MCP server over Streamable HTTP at /mcp, driven by the official Java SDK's client. */
class McpHttpTest {
    private static final String KEY = "mcp-test-key-0123456789";

    @TempDir
    Path dir;
    @AutoClose
    LlmStandIn llm = new LlmStandIn();
    Path home;
    RunningServer server;
    McpSyncClient client;
    final McpClients.Heard heard = new McpClients.Heard();

    @BeforeEach
    void start() {
        home = TestHome.create(dir.resolve("home"));
        server = RunningServer.start(home, llm, Map.of("BRAIN_TRUST_API_KEY", KEY));
        client = McpClients.http(server.url(), KEY, heard);
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.closeGracefully();
        }
        server.close();
    }

    @Test
    void lists_context_files_the_telos_block_and_saved_workflows_as_resources() {
        List<String> uris = client.listResources().resources().stream().map(McpSchema.Resource::uri).toList();
        assertThat(uris).contains("brain-trust://telos", "brain-trust://context/MISSION.md", "brain-trust://context/GOALS.md",
                "brain-trust://context/BELIEFS.md", "brain-trust://workflows/research-brief",
                "brain-trust://workflows/editorial-pipeline");
        assertThat(client.getServerInfo().name()).isEqualTo("brain-trust");
    }

    @Test
    void reads_a_context_file_with_the_revision_it_came_from() {
        McpSchema.ReadResourceResult read = client.readResource(new McpSchema.ReadResourceRequest("brain-trust://context/MISSION.md"));
        assertThat(McpClients.text(read)).isEqualTo(TestHome.MISSION);
        McpSchema.TextResourceContents contents = (McpSchema.TextResourceContents) read.contents().get(0);
        assertThat(contents.meta()).containsEntry("revision", server.brainTrust.context().snapshot().revision());
        assertThat(contents.mimeType()).isEqualTo("text/markdown");
    }

    @Test
    void the_telos_block_is_what_every_agent_prompt_starts_with_and_nothing_more() {
        String telos = McpClients.text(client.readResource(new McpSchema.ReadResourceRequest("brain-trust://telos")));
        assertThat(telos).startsWith("# USER CONTEXT (TELOS LAYER)").contains(TestHome.MISSION, TestHome.BELIEFS, TestHome.GOALS)
                .doesNotContain("AGENT INSTRUCTIONS");
        assertThat(server.brainTrust.context().composePrompt("x")).startsWith(telos.strip());
    }

    @Test
    void reads_a_saved_workflows_json_and_a_journal_day() throws Exception {
        String json = McpClients.text(client.readResource(new McpSchema.ReadResourceRequest("brain-trust://workflows/research-brief")));
        assertThat(json).contains("\"Research brief\"", "researcher");
        client.callTool(new McpSchema.CallToolRequest("get_context", Map.of())); // a call writes today's journal
        String today = server.brainTrust.journal().today().toString();
        Poll.until(Duration.ofSeconds(10), "today's journal listed", () -> client.listResources().resources().stream()
                .anyMatch(r -> r.uri().equals("brain-trust://journal/" + today)));
        assertThat(McpClients.text(client.readResource(new McpSchema.ReadResourceRequest("brain-trust://journal/" + today))))
                .contains("tool get_context");
    }

    @Test
    void uris_and_names_from_the_client_never_leave_their_folder() throws Exception {
        Files.writeString(dir.resolve("secret.md"), "outside the home");
        for (String uri : List.of("brain-trust://context/../../secret.md", "brain-trust://journal/../../secret",
                "brain-trust://workflows/../context/MISSION", "brain-trust://workflows/%2e%2e%2fsecret", "brain-trust://nothing")) {
            assertThatThrownBy(() -> client.readResource(new McpSchema.ReadResourceRequest(uri))).as(uri)
                    .hasMessageContaining("not found");
        }
        McpSchema.CallToolResult outside = client.callTool(new McpSchema.CallToolRequest("get_workflow", Map.of("name", "../secret")));
        assertThat(outside.isError()).isTrue();
        assertThat(McpClients.text(client.callTool(new McpSchema.CallToolRequest("get_context", Map.of("file", "../secret.md")))))
                .doesNotContain("outside the home");
        assertThat(client.callTool(new McpSchema.CallToolRequest("read_journal", Map.of("date", "../../secret"))).isError()).isTrue();
    }

    @Test
    void a_subscribed_client_hears_of_an_edit_and_reads_the_new_text() throws Exception {
        String before = server.brainTrust.context().snapshot().revision();
        client.subscribeResource(new McpSchema.SubscribeRequest("brain-trust://context/MISSION.md"));
        Files.writeString(home.resolve("context/MISSION.md"), "Ship the field guide by June.\n");
        Poll.until(Duration.ofSeconds(10), "resources/updated for MISSION.md",
                () -> heard.updatedUris.contains("brain-trust://context/MISSION.md"));
        McpSchema.ReadResourceResult read = client.readResource(new McpSchema.ReadResourceRequest("brain-trust://context/MISSION.md"));
        assertThat(McpClients.text(read)).isEqualTo("Ship the field guide by June.");
        assertThat(read.meta().get("revision")).isNotEqualTo(before);
    }

    @Test
    void a_new_context_file_and_a_new_workflow_are_announced_as_list_changes() throws Exception {
        Files.writeString(home.resolve("context/RESEARCH.md"), "Analytical engines, 1840s.\n");
        Files.copy(home.resolve("workflows/research-brief.json"), home.resolve("workflows/second-brief.json"));
        Poll.until(Duration.ofSeconds(10), "a resource list with RESEARCH.md and the new workflow", () -> heard.resourceLists.stream()
                .anyMatch(l -> l.contains("brain-trust://context/RESEARCH.md") && l.contains("brain-trust://workflows/second-brief")));
        Poll.until(Duration.ofSeconds(10), "a prompt list with the new workflow",
                () -> heard.promptLists.stream().anyMatch(l -> l.contains("workflow-second-brief")));
        assertThat(McpClients.text(client.readResource(new McpSchema.ReadResourceRequest("brain-trust://context/RESEARCH.md"))))
                .isEqualTo("Analytical engines, 1840s.");
    }

    @Test
    void offers_with_my_context_and_one_prompt_per_saved_workflow() {
        List<String> names = client.listPrompts().prompts().stream().map(McpSchema.Prompt::name).toList();
        assertThat(names).contains("with-my-context", "workflow-research-brief", "workflow-editorial-pipeline");
        McpSchema.GetPromptResult prompt = client.getPrompt(new McpSchema.GetPromptRequest("with-my-context",
                Map.of("instructions", "Answer as my editor.")));
        String text = ((McpSchema.TextContent) prompt.messages().get(0).content()).text();
        assertThat(text).isEqualTo(server.brainTrust.context().composePrompt("Answer as my editor."));
        McpSchema.GetPromptResult workflow = client.getPrompt(new McpSchema.GetPromptRequest("workflow-research-brief",
                Map.of("input", "solar sails")));
        String steps = ((McpSchema.TextContent) workflow.messages().get(0).content()).text();
        assertThat(steps).contains(TestHome.MISSION, "## Step 1: Researcher", "## Step 3: Editor", "Works on the results of: Writer",
                "# INPUT\nsolar sails");
    }

    @Test
    void calls_a_skill_through_the_skill_runner_and_records_the_call_like_a_run() throws Exception {
        List<String> tools = client.listTools().tools().stream().map(McpSchema.Tool::name).toList();
        assertThat(tools).contains("word_count", "calculator", "run_workflow", "get_context", "read_journal", "get_workflow");
        McpSchema.CallToolResult result = client.callTool(new McpSchema.CallToolRequest("word_count", Map.of("text", "one two three")));
        assertThat(result.isError()).isNotEqualTo(Boolean.TRUE);
        assertThat(McpClients.text(result)).contains("words=3");
        RunSummary recorded = server.brainTrust.runs().list(10, 0).stream().filter(r -> r.workflow().startsWith("tool word_count ("))
                .findFirst().orElseThrow();
        assertThat(recorded.source()).isEqualTo("mcp:" + McpClients.CLIENT_NAME);
        assertThat(recorded.revision()).isEqualTo(server.brainTrust.context().snapshot().revision());
        RunRecord run = server.brainTrust.runs().get(recorded.id());
        assertThat(run.steps().get(0).agent()).isEqualTo(McpClients.CLIENT_NAME);
        assertThat(run.steps().get(0).toolCalls().get(0).arguments()).contains("one two three");
        assertThat(server.brainTrust.journal().read(server.brainTrust.journal().today().toString()))
                .contains("tool word_count (mcp:" + McpClients.CLIENT_NAME + ")", recorded.id());
    }

    @Test
    void a_skill_that_fails_is_an_error_result_and_a_failed_run() {
        McpSchema.CallToolResult result = client.callTool(new McpSchema.CallToolRequest("calculator", Map.of("expression", "1/0")));
        assertThat(result.isError()).isTrue();
        assertThat(server.brainTrust.runs().list(10, 0).stream().filter(r -> r.workflow().startsWith("tool calculator (")))
                .singleElement().satisfies(r -> assertThat(r.status().label()).isEqualTo("failed"));
    }

    @Test
    void runs_a_saved_workflow_and_returns_its_final_output_run_id_and_revision() {
        llm.script(call -> LlmStandIn.Reply.text(call.task().contains("# INPUT") ? "notes on " + call.task().lines()
                .reduce((a, b) -> b).orElse("") : "edited: " + call.task().length()));
        McpSchema.CallToolResult result = client.callTool(McpSchema.CallToolRequest.builder("run_workflow")
                .arguments(Map.of("name", "research-brief", "input", "solar sails")).progressToken("p1").build());
        assertThat(result.isError()).isNotEqualTo(Boolean.TRUE);
        assertThat(McpClients.text(result)).startsWith("edited: ");
        @SuppressWarnings("unchecked")
        Map<String, Object> structured = (Map<String, Object>) result.structuredContent();
        RunRecord run = server.brainTrust.runs().get((String) structured.get("runId"));
        assertThat(run.source()).isEqualTo("mcp:" + McpClients.CLIENT_NAME);
        assertThat(run.succeeded()).isTrue();
        assertThat(structured).containsEntry("revision", run.revision()).containsEntry("status", "succeeded");
        assertThat(run.revision()).isEqualTo(server.brainTrust.context().snapshot().revision());
        assertThat(llm.calls()).hasSize(3);
        assertThat(llm.calls().get(0).task()).contains("# INPUT\nsolar sails");
        assertThat(llm.calls().get(0).system()).contains(TestHome.MISSION);
        Poll.until(Duration.ofSeconds(10), "three progress notifications", () -> heard.progress.size() == 3);
    }

    @Test
    void every_resource_is_also_a_tool_for_clients_that_support_only_tools() {
        assertThat(McpClients.text(client.callTool(new McpSchema.CallToolRequest("get_context", Map.of()))))
                .startsWith("# USER CONTEXT (TELOS LAYER)");
        assertThat(McpClients.text(client.callTool(new McpSchema.CallToolRequest("get_context", Map.of("file", "GOALS")))))
                .isEqualTo(TestHome.GOALS);
        assertThat(McpClients.text(client.callTool(new McpSchema.CallToolRequest("get_workflow", Map.of("name", "editorial-pipeline")))))
                .contains("nodes");
        String today = server.brainTrust.journal().today().toString();
        assertThat(McpClients.text(client.callTool(new McpSchema.CallToolRequest("read_journal", Map.of("date", today)))))
                .contains("tool get_context", "tool get_workflow");
        assertThat(McpClients.text(client.callTool(new McpSchema.CallToolRequest("read_journal",
                Map.of("from", today, "to", today))))).contains("tool read_journal");
        McpSchema.CallToolResult tooLong = client.callTool(new McpSchema.CallToolRequest("read_journal",
                Map.of("from", "2020-01-01", "to", "2020-12-31")));
        assertThat(tooLong.isError()).isTrue();
        assertThat(McpClients.text(tooLong)).contains("at most 31 days");
    }
}
