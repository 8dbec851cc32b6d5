package dev.braintrust.workflow;

import dev.braintrust.BrainTrust;
import dev.braintrust.journal.RunRecord;
import dev.braintrust.journal.RunStatus;
import dev.braintrust.journal.StepRecord;
import dev.braintrust.journal.ToolCallRecord;
import dev.braintrust.testing.LlmStandIn;
import dev.braintrust.testing.LlmStandIn.Reply;
import dev.braintrust.testing.TestHome;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Each provider through its real LangChain4j client, against a stand-in speaking its wire protocol. */
class ProvidersTest {
    @TempDir
    Path dir;
    @AutoClose
    private final LlmStandIn llm = new LlmStandIn();

    private static final String WORD_COUNT = """
            #!/usr/bin/env bash
            # NAME: word_count
            # DESCRIPTION: Count the words of a text.
            # PARAM: text (str) - The text to count
            # PARAM: minimum (int, optional) - Ignore words shorter than this
            printf 'words=%d\\n' "$(printf '%s' "$1" | wc -w)"
            """;

    @ParameterizedTest(name = "{0} via {1}")
    @CsvSource({
            "gpt-4o-mini, OPENAI, Authorization, Bearer sk-test-openai",
            "claude-sonnet-4-5, ANTHROPIC, x-api-key, sk-ant-test",
            "gemini-2.0-flash, GEMINI, x-goog-api-key, gemini-test-key",
            "ollama:llama3.2, OLLAMA, , "})
    void an_agent_gets_the_telos_context_calls_a_skill_and_answers(String model, LlmStandIn.Wire wire,
                                                                  String keyHeader, String keyValue) {
        Path home = TestHome.create(dir.resolve("home"));
        TestHome.noSkills(home);
        TestHome.skill(home, "word_count.sh", WORD_COUNT);
        llm.script(call -> call.toolResults().isEmpty()
                ? Reply.tool("word_count", "{\"text\": \"one two three\"}")
                : Reply.text("The text has " + call.toolResults().get(0).replaceAll("[^0-9]", "") + " words."));
        Workflow workflow = Workflow.single("count", new AgentNode("counter", "Counter", "Analyst", null,
                "You count things carefully.", "How many words are in 'one two three'?", model));

        RunRecord run;
        try (BrainTrust bt = TestHome.open(home, llm, Map.of())) {
            run = bt.runs().run(workflow, "test", null);
        }

        assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(run.finalOutput()).isEqualTo("The text has 3 words.");
        assertThat(llm.calls()).hasSize(2).allSatisfy(call -> {
            assertThat(call.wire()).isEqualTo(wire);
            assertThat(call.system()).startsWith("# USER CONTEXT (TELOS LAYER)")
                    .contains("## Mission\n" + TestHome.MISSION)
                    .contains("## Core Beliefs & Constraints\n" + TestHome.BELIEFS)
                    .endsWith("# AGENT INSTRUCTIONS\nYou are Analyst.\nYou count things carefully.\n");
            assertThat(call.task()).isEqualTo("How many words are in 'one two three'?");
            assertThat(call.tools()).containsExactly("word_count");
            if (keyHeader != null) {
                assertThat(call.headers().get(keyHeader)).isEqualTo(keyValue);
            }
        });
        assertThat(llm.calls().get(0).model()).isEqualTo(wire == LlmStandIn.Wire.OLLAMA ? "llama3.2" : model);
        assertThat(llm.calls().get(1).toolResults()).singleElement().asString().contains("words=3");

        StepRecord step = run.steps().get(0);
        assertThat(step.model()).isEqualTo(model);
        assertThat(step.attempts()).isEqualTo(2);
        assertThat(step.inputTokens()).isEqualTo(13 + 11);
        assertThat(step.outputTokens()).isEqualTo(5 + 7);
        assertThat(step.toolCalls()).singleElement().satisfies(c -> {
            assertThat(c.tool()).isEqualTo("word_count");
            assertThat(c.arguments()).contains("one two three");
            assertThat(c.outputExcerpt()).contains("words=3");
            assertThat(c.outcome()).isEqualTo("ok");
        });
    }

    @org.junit.jupiter.api.Test
    void forty_model_names_share_one_http_client_and_leave_no_selector_threads_behind() {
        Path home = TestHome.create(dir.resolve("home"));
        TestHome.noSkills(home);
        llm.script(call -> Reply.text("ok from " + call.model()));
        long before = selectorThreads();
        try (BrainTrust bt = TestHome.open(home, llm, Map.of())) {
            for (int i = 1; i <= 40; i++) {
                RunRecord run = bt.runs().run(Workflow.single("m" + i, new AgentNode("a", "A", null, null, null, "Say ok",
                        "ollama:m" + i)), "test", null);
                assertThat(run.status()).as(run.error()).isEqualTo(RunStatus.SUCCEEDED);
                assertThat(run.finalOutput()).isEqualTo("ok from m" + i);
            }
            assertThat(selectorThreads() - before).as("selector threads added by 40 models").isLessThanOrEqualTo(1);
        }
    }

    @org.junit.jupiter.api.Test
    void the_gateway_keeps_a_bounded_number_of_model_clients() {
        llm.script(call -> Reply.text("ok"));
        dev.braintrust.Config config = TestHome.config(TestHome.create(dir.resolve("home")), llm, Map.of());
        try (ProviderGateway gateway = new ProviderGateway(config.models(), java.time.Duration.ofSeconds(10))) {
            for (int i = 0; i < 3 * ProviderGateway.MAX_MODELS; i++) {
                gateway.chat(ModelRouter.route("ollama:x" + i).orElseThrow(),
                        dev.langchain4j.model.chat.request.ChatRequest.builder()
                                .messages(dev.langchain4j.data.message.UserMessage.from("hi")).build());
            }
            assertThat(gateway.cachedModels()).isLessThanOrEqualTo(ProviderGateway.MAX_MODELS);
        }
    }

    private static long selectorThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().contains("SelectorManager")).count();
    }
}
