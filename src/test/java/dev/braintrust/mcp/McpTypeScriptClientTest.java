package dev.braintrust.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.braintrust.journal.RunRecord;
import dev.braintrust.testing.LlmStandIn;
import dev.braintrust.testing.NodeScript;
import dev.braintrust.testing.RunningServer;
import dev.braintrust.testing.TestHome;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/** The official TypeScript SDK (@modelcontextprotocol/sdk from npm) against /mcp and against brain-trust mcp over stdio. */
class McpTypeScriptClientTest {
    static final String KEY = "ts-sdk-test-key-0123456789";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    @AutoClose
    LlmStandIn llm = new LlmStandIn();

    @Test
    void the_typescript_sdk_reads_subscribes_prompts_and_calls_tools_over_streamable_http() throws Exception {
        Path home = TestHome.create(dir.resolve("home"));
        llm.script(call -> LlmStandIn.Reply.text(call.taskContains("# INPUT") ? "notes" : "the brief"));
        try (RunningServer server = RunningServer.start(home, llm, Map.of("BRAIN_TRUST_API_KEY", KEY))) {
            Map<String, JsonNode> steps = NodeScript.run("mcp-client.mjs",
                    Map.of("MCP_URL", server.url() + "/mcp", "MCP_KEY", KEY), 180, editMissionWhenSubscribed(home), "http");
            check(steps, server);
        }
    }

    @Test
    void the_typescript_sdk_does_the_same_over_stdio_beside_a_running_server() throws Exception {
        Path home = TestHome.create(dir.resolve("home"));
        llm.script(call -> LlmStandIn.Reply.text(call.taskContains("# INPUT") ? "notes" : "the brief"));
        try (RunningServer server = RunningServer.start(home, llm, Map.of())) {
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx128m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                    "dev.braintrust.cli.Main", "mcp", "--home", home.toString()));
            Map<String, JsonNode> steps = NodeScript.run("mcp-client.mjs",
                    Map.of("MCP_COMMAND", JSON.writeValueAsString(command),
                            "MCP_ENV", JSON.writeValueAsString(TestHome.env(home, llm, Map.of()))),
                    180, editMissionWhenSubscribed(home), "stdio");
            check(steps, server);
        }
    }

    private static Consumer<JsonNode> editMissionWhenSubscribed(Path home) {
        return line -> {
            if (line.path("step").asText().equals("subscribed")) {
                try {
                    Files.writeString(home.resolve("context/MISSION.md"), "Edited while the TypeScript client listened.\n");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
    }

    private void check(Map<String, JsonNode> steps, RunningServer server) {
        assertThat(steps.get("connected").path("server").asText()).isEqualTo("brain-trust");
        assertThat(strings(steps.get("resources").get("uris"))).contains("brain-trust://telos", "brain-trust://context/MISSION.md",
                "brain-trust://workflows/research-brief");
        assertThat(steps.get("mission").path("text").asText()).isEqualTo(TestHome.MISSION);
        assertThat(steps.get("mission").path("revision").asText()).isNotBlank();
        assertThat(steps.get("telos").path("text").asText()).startsWith("# USER CONTEXT (TELOS LAYER)");
        assertThat(steps.get("updated").path("text").asText()).isEqualTo("Edited while the TypeScript client listened.");
        assertThat(steps.get("updated").path("revision").asText()).isEqualTo(server.brainTrust.context().snapshot().revision())
                .isNotEqualTo(steps.get("mission").path("revision").asText());
        assertThat(strings(steps.get("prompts").get("names"))).contains("with-my-context", "workflow-research-brief");
        assertThat(steps.get("prompt").path("text").asText()).contains("Edited while the TypeScript client listened.", "Answer as my editor.");
        assertThat(strings(steps.get("tools").get("names"))).contains("word_count", "run_workflow", "get_context", "read_journal");
        assertThat(steps.get("word_count").path("text").asText()).contains("words=5");
        JsonNode ran = steps.get("run_workflow");
        assertThat(ran.path("isError").asBoolean()).isFalse();
        assertThat(ran.path("text").asText()).isEqualTo("the brief");
        RunRecord run = server.brainTrust.runs().get(ran.path("structured").path("runId").asText());
        assertThat(run.source()).isEqualTo("mcp:typescript-sdk-test");
        assertThat(run.succeeded()).isTrue();
        assertThat(llm.calls().get(0).task()).contains("# INPUT\nwind kites");
        assertThat(server.brainTrust.runs().list(20, 0)).anySatisfy(r -> {
            assertThat(r.workflow()).isEqualTo("tool word_count (mcp:typescript-sdk-test)");
            assertThat(r.source()).isEqualTo("mcp:typescript-sdk-test");
        });
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
