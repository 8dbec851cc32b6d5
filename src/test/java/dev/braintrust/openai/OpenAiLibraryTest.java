package dev.braintrust.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.braintrust.journal.RunSummary;
import dev.braintrust.testing.LlmStandIn;
import dev.braintrust.testing.NodeScript;
import dev.braintrust.testing.RunningServer;
import dev.braintrust.testing.TestHome;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The official OpenAI library (npm "openai") against /v1: models.list, chat.completions.create plain and streamed. */
class OpenAiLibraryTest {
    static final String KEY = "openai-lib-key-0123456789";

    @TempDir
    Path dir;
    @AutoClose
    LlmStandIn llm = new LlmStandIn();

    @Test
    void the_openai_library_lists_models_completes_and_streams() throws Exception {
        Path home = TestHome.create(dir.resolve("home"));
        llm.script(call -> LlmStandIn.Reply.text(call.taskContains("# INPUT") ? "kite notes"
                : call.taskContains("# OUTPUTS OF EARLIER AGENTS") ? "kite brief" : "Your mission: the field guide."));
        try (RunningServer server = RunningServer.start(home, llm, Map.of("BRAIN_TRUST_API_KEY", KEY))) {
            Map<String, JsonNode> steps = NodeScript.run("openai-client.mjs",
                    Map.of("OPENAI_BASE_URL", server.url() + "/v1", "OPENAI_API_KEY", KEY), 180, null);

            assertThat(strings(steps.get("models").get("ids"))).contains("brain-trust", "workflow/research-brief");

            JsonNode completion = steps.get("completion");
            assertThat(completion.path("object").asText()).isEqualTo("chat.completion");
            assertThat(completion.path("role").asText()).isEqualTo("assistant");
            assertThat(completion.path("content").asText()).isEqualTo("Your mission: the field guide.");
            assertThat(completion.path("finish").asText()).isEqualTo("stop");
            assertThat(completion.path("usage").path("total_tokens").asInt()).isEqualTo(18);

            JsonNode stream = steps.get("stream");
            assertThat(stream.get("ids")).hasSize(1);
            assertThat(strings(stream.get("objects"))).containsExactly("chat.completion.chunk");
            assertThat(stream.path("firstRole").asText()).isEqualTo("assistant");
            assertThat(stream.path("content").asText()).isEqualTo("kite brief");
            assertThat(strings(stream.get("finish"))).containsExactly("stop");
            assertThat(stream.path("usage").path("total_tokens").asInt()).isEqualTo(3 * 18);

            assertThat(steps.get("helper").path("content").asText()).isEqualTo("Your mission: the field guide.");
            assertThat(steps.get("helper").path("finish").asText()).isEqualTo("stop");
            assertThat(steps.get("unknown-model").path("status").asInt()).isEqualTo(404);
            assertThat(steps.get("unknown-model").path("message").asText()).contains("no-such-model");

            List<RunSummary> runs = server.brainTrust.runs().list(20, 0);
            assertThat(runs).filteredOn(r -> r.source().equals("openai")).hasSize(3)
                    .allSatisfy(r -> assertThat(r.revision()).isEqualTo(server.brainTrust.context().snapshot().revision()));
            assertThat(llm.calls().get(0).system()).contains("Be brief.", TestHome.MISSION);
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
