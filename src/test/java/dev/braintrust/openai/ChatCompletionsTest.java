package dev.braintrust.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.braintrust.journal.RunRecord;
import dev.braintrust.testing.LlmStandIn;
import dev.braintrust.testing.Poll;
import dev.braintrust.testing.RunningServer;
import dev.braintrust.testing.TestHome;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code /v1/models} and {@code /v1/chat/completions} over real HTTP, with the LLM stand-in behind the agents. */
class ChatCompletionsTest {
    static final String KEY = "openai-test-key-0123456789";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    @AutoClose
    LlmStandIn llm = new LlmStandIn();
    RunningServer server;

    @BeforeEach
    void start() {
        Path home = TestHome.create(dir.resolve("home"));
        server = RunningServer.start(home, llm, Map.of("BRAIN_TRUST_API_KEY", KEY));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    HttpResponse<String> complete(String json) throws Exception {
        return server.post("/v1/chat/completions", json, "Authorization", "Bearer " + KEY);
    }

    @Test
    void lists_brain_trust_and_one_model_per_saved_workflow() throws Exception {
        HttpResponse<String> response = server.get("/v1/models", "Authorization", "Bearer " + KEY);
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode list = JSON.readTree(response.body());
        assertThat(list.get("object").asText()).isEqualTo("list");
        List<String> ids = new ArrayList<>();
        list.get("data").forEach(m -> {
            ids.add(m.get("id").asText());
            assertThat(m.get("object").asText()).isEqualTo("model");
            assertThat(m.get("owned_by").asText()).isEqualTo("brain-trust");
        });
        assertThat(ids).containsExactly("brain-trust", "workflow/editorial-pipeline", "workflow/research-brief");
        assertThat(JSON.readTree(server.get("/v1/models/workflow/research-brief", "Authorization", "Bearer " + KEY).body())
                .get("id").asText()).isEqualTo("workflow/research-brief");
        HttpResponse<String> unknown = server.get("/v1/models/gpt-9", "Authorization", "Bearer " + KEY);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(unknown.body()).path("error").path("message").asText()).contains("gpt-9");
    }

    @Test
    void answers_a_conversation_with_the_agent_that_has_my_context_and_ignores_unknown_parameters() throws Exception {
        llm.script(call -> LlmStandIn.Reply.text("Your mission is the field guide."));
        HttpResponse<String> response = complete("""
                {"model": "brain-trust", "user": "ada", "stop": ["\\n\\n"], "temperature": 0.2, "presence_penalty": 0.5,
                 "frequency_penalty": 0.1, "seed": 7, "logit_bias": {}, "n": 1, "some_future_option": {"x": 1},
                 "messages": [{"role": "system", "content": "Be terse."},
                              {"role": "user", "content": "Hi"},
                              {"role": "assistant", "content": "Hello."},
                              {"role": "user", "content": [{"type": "text", "text": "What is my mission?"}]}]}""");
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.get("object").asText()).isEqualTo("chat.completion");
        assertThat(body.get("model").asText()).isEqualTo("brain-trust");
        JsonNode choice = body.get("choices").get(0);
        assertThat(choice.get("message").get("role").asText()).isEqualTo("assistant");
        assertThat(choice.get("message").get("content").asText()).isEqualTo("Your mission is the field guide.");
        assertThat(choice.get("finish_reason").asText()).isEqualTo("stop");
        assertThat(body.get("usage").get("prompt_tokens").asInt()).isEqualTo(11);
        assertThat(body.get("usage").get("completion_tokens").asInt()).isEqualTo(7);
        assertThat(body.get("usage").get("total_tokens").asInt()).isEqualTo(18);

        LlmStandIn.Call call = llm.calls().get(0);
        assertThat(call.system()).startsWith("# USER CONTEXT (TELOS LAYER)").contains(TestHome.MISSION, "Be terse.");
        assertThat(call.task()).contains("# CONVERSATION SO FAR", "## User\nHi", "## Assistant\nHello.",
                "# CURRENT MESSAGE\nWhat is my mission?");
        assertThat(call.tools()).contains("word_count", "calculator");

        RunRecord run = server.brainTrust.runs().get(body.get("brain_trust").get("runId").asText());
        assertThat(run.source()).isEqualTo("openai");
        assertThat(run.succeeded()).isTrue();
        assertThat(run.revision()).isEqualTo(server.brainTrust.context().snapshot().revision());
        assertThat(response.headers().firstValue("X-Context-Revision")).contains(run.revision());
        assertThat(body.get("id").asText()).isEqualTo("chatcmpl-" + run.id());
    }

    @Test
    void streams_server_sent_events_exactly_as_openai_clients_expect() throws Exception {
        llm.script(call -> LlmStandIn.Reply.text("Streamed answer."));
        HttpResponse<String> response = complete("""
                {"model": "brain-trust", "stream": true, "stream_options": {"include_usage": true},
                 "messages": [{"role": "user", "content": "Say something"}]}""");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        List<String> data = dataLines(response.body());
        assertThat(data.get(data.size() - 1)).isEqualTo("[DONE]");
        List<JsonNode> chunks = new ArrayList<>();
        for (String d : data.subList(0, data.size() - 1)) {
            chunks.add(JSON.readTree(d));
        }
        String id = chunks.get(0).get("id").asText();
        assertThat(id).startsWith("chatcmpl-");
        assertThat(chunks).allSatisfy(c -> {
            assertThat(c.get("id").asText()).isEqualTo(id);
            assertThat(c.get("object").asText()).isEqualTo("chat.completion.chunk");
            assertThat(c.get("model").asText()).isEqualTo("brain-trust");
        });
        assertThat(chunks.get(0).get("choices").get(0).get("delta").get("role").asText()).isEqualTo("assistant");
        StringBuilder content = new StringBuilder();
        List<String> finishReasons = new ArrayList<>();
        for (JsonNode c : chunks.subList(0, chunks.size() - 1)) {
            JsonNode choice = c.get("choices").get(0);
            content.append(choice.get("delta").path("content").asText(""));
            if (!choice.get("finish_reason").isNull()) {
                finishReasons.add(choice.get("finish_reason").asText());
            }
            assertThat(c.get("usage").isNull()).isTrue();
        }
        assertThat(content.toString()).isEqualTo("Streamed answer.");
        assertThat(finishReasons).containsExactly("stop");
        JsonNode usage = chunks.get(chunks.size() - 1);
        assertThat(usage.get("choices")).isEmpty();
        assertThat(usage.get("usage").get("total_tokens").asInt()).isEqualTo(18);
        assertThat(server.brainTrust.runs().get(id.substring("chatcmpl-".length())).succeeded()).isTrue();
    }

    @Test
    void a_stream_without_include_usage_has_no_usage_chunk() throws Exception {
        HttpResponse<String> response = complete("""
                {"model": "brain-trust", "stream": true, "messages": [{"role": "user", "content": "Hi"}]}""");
        List<String> data = dataLines(response.body());
        assertThat(data).hasSize(4).last().isEqualTo("[DONE]");
        for (String d : data.subList(0, 3)) {
            JsonNode chunk = JSON.readTree(d);
            assertThat(chunk.has("usage")).isFalse();
            assertThat(chunk.get("choices")).hasSize(1);
        }
    }

    @Test
    void a_workflow_model_gives_the_last_user_message_to_its_entry_agents() throws Exception {
        llm.script(call -> LlmStandIn.Reply.text(call.taskContains("# INPUT") ? "notes" : "final brief"));
        HttpResponse<String> response = complete("""
                {"model": "workflow/research-brief",
                 "messages": [{"role": "user", "content": "an earlier question"},
                              {"role": "assistant", "content": "an earlier answer"},
                              {"role": "user", "content": "Write about tidal power"}]}""");
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.get("choices").get(0).get("message").get("content").asText()).isEqualTo("final brief");
        assertThat(llm.calls()).hasSize(3);
        assertThat(llm.calls().get(0).task()).contains("# INPUT\nWrite about tidal power").doesNotContain("an earlier question");
        assertThat(body.get("usage").get("total_tokens").asInt()).isEqualTo(3 * 18);
        RunRecord run = server.brainTrust.runs().get(body.get("brain_trust").get("runId").asText());
        assertThat(run.workflow()).isEqualTo("Research brief");
        assertThat(run.source()).isEqualTo("openai");
        assertThat(run.revision()).isEqualTo(server.brainTrust.context().snapshot().revision());
    }

    @Test
    void title_and_tag_requests_from_chat_front_ends_are_one_plain_model_call_not_a_run() throws Exception {
        llm.script(call -> LlmStandIn.Reply.text("{\"title\": \"Tidal Power\"}"));
        int runsBefore = server.brainTrust.runs().list(100, 0).size();
        String openWebUiTitle = "### Task:\\nGenerate a concise, 3-5 word title with an emoji summarizing the chat history.\\n"
                + "### Output:\\nJSON format: { \\\"title\\\": \\\"your concise title here\\\" }\\n"
                + "### Chat History:\\n<chat_history>\\nUSER: Write about tidal power\\n</chat_history>";
        String openWebUiTags = "### Task:\\nGenerate 1-3 broad tags categorizing the main themes of the chat history.\\n"
                + "### Chat History:\\n<chat_history>\\nUSER: Write about tidal power\\n</chat_history>";
        String libreChat = "Provide a concise, 5-word-or-less title for the conversation, using title case conventions. "
                + "Only return the title itself.\\n\\nConversation:\\nUser: Write about tidal power\\nAI: Here it is";
        for (String prompt : List.of(openWebUiTitle, openWebUiTags, libreChat)) {
            HttpResponse<String> response = complete("{\"model\": \"workflow/research-brief\", \"stream\": false, "
                    + "\"messages\": [{\"role\": \"user\", \"content\": \"" + prompt + "\"}]}");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(response.body()).get("choices").get(0).get("message").get("content").asText())
                    .isEqualTo("{\"title\": \"Tidal Power\"}");
        }
        HttpResponse<String> marked = complete("""
                {"model": "brain-trust", "metadata": {"task": "follow_up_generation"}, "stream": true,
                 "messages": [{"role": "user", "content": "Suggest follow-ups"}]}""");
        assertThat(dataLines(marked.body())).last().isEqualTo("[DONE]");
        assertThat(llm.calls()).hasSize(4);
        assertThat(llm.calls()).allSatisfy(call -> {
            assertThat(call.system()).isNull();
            assertThat(call.tools()).isEmpty();
            assertThat(call.messages()).hasSize(1);
        });
        assertThat(llm.calls().get(0).task()).startsWith("### Task:");
        assertThat(server.brainTrust.runs().list(100, 0)).hasSize(runsBefore);
    }

    @Test
    void a_client_that_goes_away_does_not_cancel_the_workflow_run() throws Exception {
        llm.script(call -> LlmStandIn.Reply.text("done by " + call.messages().size()).after(700));
        String body = "{\"model\": \"workflow/research-brief\", \"stream\": true, \"messages\": [{\"role\": \"user\", \"content\": \"go\"}]}";
        String runId;
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:" + server.port() + "\r\nAuthorization: Bearer " + KEY
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.getBytes(StandardCharsets.UTF_8).length
                    + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            String line;
            String run = null;
            while ((line = in.readLine()) != null) {
                if (line.toLowerCase().startsWith("x-brain-trust-run:")) {
                    run = line.substring(line.indexOf(':') + 1).strip();
                }
                if (line.startsWith("data: ")) {
                    assertThat(JSON.readTree(line.substring(6)).get("choices").get(0).get("delta").get("role").asText()).isEqualTo("assistant");
                    break; // the first chunk came; the client goes away in the middle of the run
                }
            }
            runId = run;
        }
        assertThat(runId).isNotNull();
        Poll.until(Duration.ofSeconds(30), "the run to finish", () -> server.brainTrust.runs().get(runId).status().finished());
        RunRecord run = server.brainTrust.runs().get(runId);
        assertThat(run.succeeded()).isTrue();
        assertThat(run.steps()).hasSize(3).allSatisfy(s -> assertThat(s.status().label()).isEqualTo("succeeded"));
        assertThat(llm.calls()).hasSize(3);
    }

    @Test
    void a_failed_run_is_an_error_the_client_does_not_retry() throws Exception {
        llm.script(call -> LlmStandIn.Reply.error(400, "{\"error\":{\"message\":\"bad request from the stand-in\"}}"));
        HttpResponse<String> plain = complete("""
                {"model": "brain-trust", "messages": [{"role": "user", "content": "Hi"}]}""");
        assertThat(plain.statusCode()).isEqualTo(500);
        assertThat(plain.headers().firstValue("x-should-retry")).contains("false");
        assertThat(JSON.readTree(plain.body()).path("error").path("message").asText()).contains("failed");
        HttpResponse<String> streamed = complete("""
                {"model": "brain-trust", "stream": true, "messages": [{"role": "user", "content": "Hi"}]}""");
        List<String> data = dataLines(streamed.body());
        assertThat(data).doesNotContain("[DONE]");
        assertThat(JSON.readTree(data.get(data.size() - 1)).path("error").path("message").asText()).contains("failed");
    }

    @Test
    void bad_requests_are_answered_in_openai_error_shape() throws Exception {
        HttpResponse<String> unknownModel = complete("{\"model\": \"gpt-9\", \"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}");
        assertThat(unknownModel.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(unknownModel.body()).path("error").path("message").asText()).contains("gpt-9", "/v1/models");
        HttpResponse<String> noMessages = complete("{\"model\": \"brain-trust\", \"messages\": []}");
        assertThat(noMessages.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(noMessages.body()).path("error").path("type").asText()).isEqualTo("bad_request");
        HttpResponse<String> noUser = complete("{\"model\": \"brain-trust\", \"messages\": [{\"role\": \"system\", \"content\": \"x\"}]}");
        assertThat(noUser.statusCode()).isEqualTo(400);
        assertThat(llm.requestCount()).isZero();
    }

    static List<String> dataLines(String sse) {
        List<String> data = new ArrayList<>();
        for (String line : sse.split("\n")) {
            if (line.startsWith("data: ")) {
                data.add(line.substring(6));
            }
        }
        return data;
    }
}
