package dev.braintrust.workflow;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.braintrust.BrainTrust;
import dev.braintrust.BrainTrustException;
import dev.braintrust.journal.ModelCallRecord;
import dev.braintrust.journal.RunRecord;
import dev.braintrust.journal.RunStatus;
import dev.braintrust.journal.StepRecord;
import dev.braintrust.journal.StepStatus;
import dev.braintrust.testing.LlmStandIn;
import dev.braintrust.testing.LlmStandIn.Reply;
import dev.braintrust.testing.TestHome;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Prices, cost, and budgets that stop a run before the model call that would go over. */
class BudgetTest {
    private static final String FAN = """
            {"name": "Fan", "budget": %s,
             "nodes": [
              {"id": "a", "type": "agentNode", "data": {"name": "A", "goal": "do a"}},
              {"id": "b", "type": "agentNode", "data": {"name": "B", "goal": "do b"}},
              {"id": "c", "type": "agentNode", "data": {"name": "C", "goal": "do c"}},
              {"id": "d", "type": "agentNode", "data": {"name": "D", "goal": "do d"}},
              {"id": "e", "type": "agentNode", "data": {"name": "E", "goal": "do e"}}],
             "edges": [{"source": "a", "target": "b"}, {"source": "a", "target": "c"},
                       {"source": "a", "target": "d"}, {"source": "a", "target": "e"}]}
            """;

    @TempDir
    Path dir;
    @AutoClose
    private final LlmStandIn llm = new LlmStandIn();
    private Path home;

    @BeforeEach
    void home() throws IOException {
        home = TestHome.create(dir.resolve("home"));
        TestHome.noSkills(home);
        Files.writeString(home.resolve("prices.json"), """
                {"currency": "EUR", "models": {"gpt-4o-mini": {"input": 1.0, "output": 10.0}, "ollama:*": {"input": 0, "output": 0}}}
                """);
        llm.script(call -> Graphs.echo(call).usage(10_000, 1_000)); // 11,000 tokens, 0.02 EUR a call
    }

    private static Workflow fan(String budget) throws IOException {
        return Workflow.fromJson(new ObjectMapper().readTree(FAN.formatted(budget)), "fan");
    }

    private RunRecord run(Workflow workflow, Map<String, String> env) {
        try (BrainTrust bt = TestHome.open(home, llm, env)) {
            return bt.runs().get(bt.runs().run(workflow, "test", null).id());
        }
    }

    @Test
    void the_cost_of_each_call_comes_from_the_price_table() throws IOException {
        RunRecord run = run(fan("null"), Map.of());

        assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
        ModelCallRecord call = run.steps().get(0).modelCalls().get(0);
        assertThat(call.cost()).isCloseTo(0.02, within(1e-12));
        assertThat(call.currency()).isEqualTo("EUR");
        assertThat(run.usage().cost()).isCloseTo(0.10, within(1e-12));
        assertThat(run.usage().describeCost()).isEqualTo("0.1000 EUR");
    }

    @Test
    void a_model_without_a_price_has_an_unknown_cost_not_zero() throws IOException {
        Workflow claude = Workflow.single("c", new AgentNode("a", "A", null, "do a", null, null, "claude-sonnet-4-5"));
        RunRecord run = run(claude, Map.of());
        assertThat(run.steps().get(0).modelCalls().get(0).cost()).isNull();
        assertThat(run.usage().cost()).isNull();
        assertThat(run.usage().unpricedCalls()).isEqualTo(1);
        assertThat(run.usage().describeCost()).isEqualTo("cost unknown");
    }

    @Test
    void a_token_budget_stops_a_fan_out_run_before_the_call_that_would_go_over() throws IOException {
        RunRecord run = run(fan("{\"maxTokens\": 25000}"), Map.of("BRAIN_TRUST_MAX_PARALLEL", "1"));

        assertThat(llm.requestCount()).isEqualTo(3);
        assertThat(run.status()).isEqualTo(RunStatus.BUDGET);
        assertThat(run.error()).contains("25,000 tokens").contains("used 33,000");
        assertThat(run.steps()).filteredOn(s -> s.status() == StepStatus.SUCCEEDED).hasSize(3);
        List<StepRecord> stopped = run.steps().stream().filter(s -> s.status() == StepStatus.CANCELLED).toList();
        assertThat(stopped).hasSize(2);
        assertThat(stopped).anySatisfy(s -> assertThat(s.error()).startsWith("stopped before its next model call: the workflow's budget"));
        assertThat(stopped).anySatisfy(s -> assertThat(s.error()).startsWith("not started: the workflow's budget"));
        assertThat(stopped).allSatisfy(s -> assertThat(s.modelCalls()).isEmpty());
        String journal = Files.readString(home.resolve("logs").resolve(LocalDate.now() + ".md"));
        assertThat(journal).contains("Fan — budget");
    }

    @Test
    void a_cost_budget_stops_a_run_in_the_currency_of_the_price_table() throws IOException {
        RunRecord run = run(fan("{\"maxCost\": 0.05}"), Map.of("BRAIN_TRUST_MAX_PARALLEL", "1"));

        assertThat(llm.requestCount()).isEqualTo(3);
        assertThat(run.status()).isEqualTo(RunStatus.BUDGET);
        assertThat(run.error()).contains("0.0500 EUR").contains("cost 0.0600 EUR");
    }

    @Test
    void a_cost_budget_with_a_model_that_has_no_price_is_refused_before_any_call() throws IOException {
        Files.writeString(home.resolve("prices.json"), "{\"currency\": \"EUR\", \"models\": {}}");
        try (BrainTrust bt = TestHome.open(home, llm, Map.of())) {
            assertThatThrownBy(() -> bt.runs().run(fan("{\"maxCost\": 1}"), "test", null))
                    .isInstanceOf(BrainTrustException.BadInput.class)
                    .hasMessageContaining("no price for the model 'gpt-4o-mini'");
            assertThat(bt.runs().dryRun(fan("{\"maxCost\": 1}")).problems()).anySatisfy(p -> assertThat(p).contains("gpt-4o-mini"));
        }
        assertThat(llm.requestCount()).isZero();
    }

    @Test
    void a_bad_budget_is_rejected_with_the_field_named() {
        assertThatThrownBy(() -> fan("{\"maxTokens\": -5}")).hasMessageContaining("'budget.maxTokens' must be a whole number above 0");
        assertThatThrownBy(() -> fan("{\"maxCost\": \"lots\"}")).hasMessageContaining("'budget.maxCost' must be a number");
        assertThatThrownBy(() -> fan("7")).hasMessageContaining("'budget' must be an object");
    }

    @Test
    void the_daily_budget_counts_every_run_and_process_and_tells_a_scheduler_to_skip() throws IOException {
        Map<String, String> env = Map.of("BRAIN_TRUST_DAILY_BUDGET", "30000 tokens", "BRAIN_TRUST_MAX_PARALLEL", "1");
        Workflow three = Graphs.of("Three", List.of("x", "y", "z"));
        try (BrainTrust bt = TestHome.open(home, llm, env)) {
            assertThat(bt.runs().dailyBudgetExhausted()).isEmpty();
            RunRecord first = bt.runs().run(three, "test", null);
            assertThat(first.status()).isEqualTo(RunStatus.SUCCEEDED); // 22,000 + the third call's ~estimate stays under 30,000
            assertThat(bt.runs().spentToday().tokens()).isEqualTo(33_000);
        }
        try (BrainTrust other = TestHome.open(home, llm, env)) { // another process sharing the run database
            assertThat(other.runs().dailyBudgetExhausted()).hasValueSatisfying(why -> assertThat(why)
                    .contains("today's budget of 30,000 tokens (BRAIN_TRUST_DAILY_BUDGET) is spent").contains("33,000"));
            RunRecord second = other.runs().run(three, "test", null);
            assertThat(second.status()).isEqualTo(RunStatus.BUDGET);
            assertThat(second.error()).contains("today's budget of 30,000 tokens");
            assertThat(second.steps()).allSatisfy(s -> assertThat(s.modelCalls()).isEmpty());
        }
        assertThat(llm.requestCount()).isEqualTo(3);
    }

    @Test
    void a_daily_cost_budget_stops_the_run_that_would_exceed_it() {
        try (BrainTrust bt = TestHome.open(home, llm, Map.of("BRAIN_TRUST_DAILY_BUDGET", "0.03", "BRAIN_TRUST_MAX_PARALLEL", "1"))) {
            RunRecord run = bt.runs().run(Graphs.of("Three", List.of("x", "y", "z")), "test", null);
            assertThat(run.status()).isEqualTo(RunStatus.BUDGET);
            assertThat(llm.requestCount()).isEqualTo(2);
            assertThat(run.error()).contains("today's budget of 0.0300 EUR").contains("cost 0.0400 EUR");
            assertThat(bt.runs().dailyBudgetExhausted()).isPresent();
        }
    }

    private static final String GATED = """
            {"name": "Gated", "budget": %s,
             "nodes": [
              {"id": "a", "type": "agentNode", "data": {"name": "A", "goal": "do a", "approval": "after"}},
              {"id": "b", "type": "agentNode", "data": {"name": "B", "goal": "do b"}}],
             "edges": [{"source": "a", "target": "b"}]}
            """;

    /** Starts GATED, lets A make its call and wait for approval, and stops that process with the run waiting. */
    private String waitingRun(String budget) throws IOException {
        try (BrainTrust bt = TestHome.open(home, llm, Map.of())) {
            String id = bt.runs().start(Workflow.fromJson(new ObjectMapper().readTree(GATED.formatted(budget)), "gated"), "test", null).id();
            dev.braintrust.testing.Poll.until(java.time.Duration.ofSeconds(20), "the run to wait for A's approval",
                    () -> bt.runs().get(id).status() == RunStatus.WAITING);
            return id;
        }
    }

    private RunRecord approveInANewProcess(String id) {
        try (BrainTrust bt = TestHome.open(home, llm, Map.of())) {
            assertThat(bt.runs().resumeWaitingRuns()).containsExactly(id);
            bt.runs().decide(id, "a", true, null, "test");
            dev.braintrust.testing.Poll.until(java.time.Duration.ofSeconds(20), "the run to end",
                    () -> bt.runs().get(id).status().finished());
            return bt.runs().get(id);
        }
    }

    @Test
    void a_waiting_run_taken_over_after_a_restart_goes_on_with_its_ledger() throws IOException {
        String id = waitingRun("{}");

        RunRecord done = approveInANewProcess(id);

        assertThat(done.status()).as(done.error()).isEqualTo(RunStatus.SUCCEEDED);
        List<ModelCallRecord> calls = done.steps().stream().flatMap(s -> s.modelCalls().stream()).toList();
        assertThat(calls).extracting(ModelCallRecord::seq).containsExactly(1, 2);
        assertThat(calls).extracting(ModelCallRecord::nodeId).containsExactly("a", "b");
        assertThat(calls.get(1).contextFiles()).extracting(ModelCallRecord.FileRef::name).contains("MISSION.md");
        assertThat(calls.get(1).bytesSent()).isEqualTo(llm.calls().get(1).bodyBytes());
        assertThat(done.usage().modelCalls()).isEqualTo(2);
        assertThat(done.steps().get(1).context().received()).contains("MISSION.md");
    }

    @Test
    void a_waiting_run_taken_over_after_a_restart_counts_what_it_used_before_against_its_budget() throws IOException {
        String id = waitingRun("{\"maxTokens\": 11050}"); // A uses 11,000; B's call alone (~100 tokens) would fit

        RunRecord done = approveInANewProcess(id);

        assertThat(done.status()).isEqualTo(RunStatus.BUDGET);
        assertThat(done.error()).contains("the workflow's budget of 11,050 tokens would be exceeded: the run has used 11,000");
        assertThat(llm.calls()).as("B was stopped before its call").hasSize(1);
    }
}
