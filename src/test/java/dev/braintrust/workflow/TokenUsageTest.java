package dev.braintrust.workflow;

import dev.braintrust.BrainTrust;
import dev.braintrust.journal.ModelCallRecord;
import dev.braintrust.journal.RunRecord;
import dev.braintrust.journal.RunStatus;
import dev.braintrust.journal.StepRecord;
import dev.braintrust.testing.LlmStandIn;
import dev.braintrust.testing.LlmStandIn.Reply;
import dev.braintrust.testing.TestHome;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Token usage comes from what each provider reports in its own wire format; a reply without usage says unknown. */
class TokenUsageTest {
    @TempDir
    Path dir;
    @AutoClose
    private final LlmStandIn llm = new LlmStandIn();
    private Path home;

    @BeforeEach
    void home() {
        home = TestHome.create(dir.resolve("home"));
        TestHome.noSkills(home);
    }

    private RunRecord runOne(String model) {
        Workflow workflow = Workflow.single("usage", new AgentNode("a", "Counter", null, null, "You count.", "Count to three.", model));
        try (BrainTrust bt = TestHome.open(home, llm, Map.of())) {
            RunRecord run = bt.runs().run(workflow, "test", null);
            return bt.runs().get(run.id()); // as stored
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"gpt-4o-mini", "claude-sonnet-4-5", "gemini-2.0-flash", "ollama:llama3.2"})
    void usage_reported_in_the_providers_format_lands_in_the_step(String model) {
        llm.script(call -> Reply.text("one two three").usage(1234, 56));

        RunRecord run = runOne(model);

        assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
        StepRecord step = run.steps().get(0);
        assertThat(step.inputTokens()).isEqualTo(1234);
        assertThat(step.outputTokens()).isEqualTo(56);
        assertThat(step.totalTokens()).isEqualTo(1290);
        assertThat(step.tokens()).isEqualTo(1290);
        assertThat(step.modelCalls()).singleElement().satisfies(call -> {
            assertThat(call.inputTokens()).isEqualTo(1234);
            assertThat(call.outputTokens()).isEqualTo(56);
            assertThat(call.outcome()).isEqualTo(ModelCallRecord.OK);
        });
        assertThat(run.usage().inputTokens()).isEqualTo(1234);
        assertThat(run.usage().unreportedCalls()).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"gpt-4o-mini", "claude-sonnet-4-5", "gemini-2.0-flash", "ollama:llama3.2"})
    void a_reply_without_usage_gives_unknown_never_zero(String model) {
        llm.script(call -> Reply.text("one two three").withoutUsage());

        RunRecord run = runOne(model);

        assertThat(run.status()).as(run.error() + " / " + run.steps().get(0).error()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(llm.calls()).singleElement().satisfies(call -> assertThat(call.wire()).isNotNull());
        StepRecord step = run.steps().get(0);
        assertThat(step.inputTokens()).isNull();
        assertThat(step.outputTokens()).isNull();
        assertThat(step.tokens()).isEqualTo("unknown");
        assertThat(step.modelCalls()).singleElement().satisfies(call -> {
            assertThat(call.inputTokens()).isNull();
            assertThat(call.tokens()).isEqualTo("unknown");
        });
        assertThat(run.usage().tokens()).isEqualTo("unknown");
        assertThat(run.usage().unreportedCalls()).isEqualTo(1);
        assertThat(run.usage().describeTokens()).contains("unknown").doesNotContain(" 0 ");
    }

    @org.junit.jupiter.api.Test
    void a_step_with_one_call_reported_and_one_not_says_unknown_rather_than_half_the_sum() {
        TestHome.skill(home, "echo.sh", "#!/bin/sh\n# NAME: echo\n# PARAM: text (str) - what to say\nprintf '%s' \"$1\"\n");
        llm.script(call -> call.toolResults().isEmpty() ? Reply.tool("echo", "{\"text\":\"hi\"}").usage(100, 10)
                : Reply.text("done").withoutUsage());

        RunRecord run = runOne("gpt-4o-mini");

        StepRecord step = run.steps().get(0);
        assertThat(step.modelCalls()).hasSize(2);
        assertThat(step.inputTokens()).isNull();
        assertThat(step.tokens()).isEqualTo("unknown");
        assertThat(run.usage().inputTokens()).isEqualTo(100);
        assertThat(run.usage().unreportedCalls()).isEqualTo(1);
        assertThat(run.usage().describeTokens()).isEqualTo("110 tokens (100 in, 10 out) + 1 call unknown");
    }
}
