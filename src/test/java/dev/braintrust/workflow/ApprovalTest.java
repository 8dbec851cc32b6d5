package dev.braintrust.workflow;

import dev.braintrust.BrainTrust;
import dev.braintrust.BrainTrustException;
import dev.braintrust.journal.ApprovalRecord;
import dev.braintrust.journal.RunRecord;
import dev.braintrust.journal.RunStatus;
import dev.braintrust.journal.StepRecord;
import dev.braintrust.journal.StepStatus;
import dev.braintrust.testing.ChildJvm;
import dev.braintrust.testing.LlmStandIn;
import dev.braintrust.testing.LlmStandIn.Reply;
import dev.braintrust.testing.Poll;
import dev.braintrust.testing.TestHome;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Human approvals: before a step, after it, before a skill call; approve, reject, time out, and survive a restart. */
class ApprovalTest {
    @TempDir
    Path dir;
    private Path home;
    @AutoClose
    private final LlmStandIn llm = new LlmStandIn();

    @BeforeEach
    void home() {
        home = TestHome.create(dir.resolve("home"));
        TestHome.noSkills(home);
    }

    static Workflow approvalBefore(Workflow w, String nodeId) {
        return withApproval(w, nodeId, AgentNode.APPROVE_BEFORE);
    }

    static Workflow withApproval(Workflow w, String nodeId, String when) {
        return new Workflow(w.name(), w.agents().stream().map(a -> a.id().equals(nodeId)
                ? new AgentNode(a.id(), a.name(), a.role(), a.goal(), a.backstory(), a.prompt(), a.model(), when) : a).toList(),
                w.edges(), w.ignored());
    }

    private static StepRecord step(RunRecord run, String nodeId) {
        return run.steps().stream().filter(s -> s.nodeId().equals(nodeId)).findFirst().orElseThrow();
    }

    private static RunRecord awaitStatus(BrainTrust bt, String id, RunStatus status) {
        Poll.until(Duration.ofSeconds(20), "run " + id + " to be " + status.label(), () -> bt.runs().get(id).status() == status);
        return bt.runs().get(id);
    }

    @Test
    void a_step_approved_before_it_runs_gets_the_approvers_note_and_the_run_goes_on() throws Exception {
        llm.script(Graphs::echo);
        try (BrainTrust bt = TestHome.open(home, llm, Map.of())) {
            RunHandle handle = bt.runs().start(approvalBefore(Graphs.of("Gated", List.of("a", "b"), "a>b"), "a"), "test", null);
            RunRecord waiting = awaitStatus(bt, handle.id(), RunStatus.WAITING);
            assertThat(step(waiting, "a").status()).isEqualTo(StepStatus.AWAITING_APPROVAL);
            assertThat(llm.requestCount()).as("nothing runs before the approval").isZero();
            List<ApprovalRecord> pending = bt.runs().pendingApprovals();
            assertThat(pending).hasSize(1);
            assertThat(pending.get(0).kind()).isEqualTo("before");
            assertThat(pending.get(0).subject()).isEqualTo("do a");

            bt.runs().decide(handle.id(), "a", true, "Keep it under 100 words.", "test");
            RunRecord done = handle.result().get(20, TimeUnit.SECONDS);

            assertThat(done.status()).isEqualTo(RunStatus.SUCCEEDED);
            assertThat(step(done, "a").task()).contains("do a").contains("Keep it under 100 words.");
            assertThat(llm.calls().get(0).task()).contains("Keep it under 100 words.");
            assertThat(done.finalOutput()).isEqualTo("out:b");
            assertThat(bt.runs().pendingApprovals()).isEmpty();
            assertThat(bt.runs().approvals(handle.id())).singleElement()
                    .satisfies(a -> assertThat(a.decision()).isEqualTo("approved"))
                    .satisfies(a -> assertThat(a.decidedBy()).isEqualTo("test"));
            assertThatThrownBy(() -> bt.runs().decide(handle.id(), "a", false, null, "test"))
                    .isInstanceOf(BrainTrustException.Conflict.class).hasMessageContaining("not waiting for an approval");
        }
    }

    @Test
    void an_output_rejected_after_its_step_skips_the_steps_after_it_and_the_run_ends_rejected() throws Exception {
        llm.script(Graphs::echo);
        try (BrainTrust bt = TestHome.open(home, llm, Map.of())) {
            RunHandle handle = bt.runs().start(withApproval(Graphs.of("Reviewed", List.of("a", "b", "c"), "a>b"), "a", "after"),
                    "test", null);
            RunRecord waiting = awaitStatus(bt, handle.id(), RunStatus.WAITING);
            Poll.until(Duration.ofSeconds(10), "c, which does not depend on a, to finish",
                    () -> step(bt.runs().get(handle.id()), "c").status() == StepStatus.SUCCEEDED);
            ApprovalRecord approval = bt.runs().approvals(handle.id()).get(0);
            assertThat(approval.kind()).isEqualTo("after");
            assertThat(approval.subject()).isEqualTo("out:a");
            assertThat(step(waiting, "b").status()).isEqualTo(StepStatus.WAITING);

            bt.runs().decide(handle.id(), "a", false, "Wrong tone.", "test");
            RunRecord done = handle.result().get(20, TimeUnit.SECONDS);

            assertThat(done.status()).isEqualTo(RunStatus.REJECTED);
            assertThat(step(done, "a").status()).isEqualTo(StepStatus.REJECTED);
            assertThat(step(done, "a").output()).isEqualTo("out:a");
            assertThat(step(done, "a").error()).contains("rejected by a human").contains("Wrong tone.");
            assertThat(step(done, "b").status()).isEqualTo(StepStatus.SKIPPED);
            assertThat(step(done, "b").error()).contains("was rejected");
            assertThat(done.error()).contains("A rejected by a human: Wrong tone.");
            assertThat(llm.calls()).extracting(Graphs::agentOf).containsExactlyInAnyOrder("a", "c");
        }
    }

    @Test
    void an_approved_output_reaches_the_next_agent_with_the_note() throws Exception {
        llm.script(Graphs::echo);
        try (BrainTrust bt = TestHome.open(home, llm, Map.of())) {
            RunHandle handle = bt.runs().start(withApproval(Graphs.of("Reviewed", List.of("a", "b"), "a>b"), "a", "after"),
                    "test", null);
            awaitStatus(bt, handle.id(), RunStatus.WAITING);
            bt.runs().decide(handle.id(), "a", true, "Use the second title.", "test");
            RunRecord done = handle.result().get(20, TimeUnit.SECONDS);
            assertThat(done.status()).isEqualTo(RunStatus.SUCCEEDED);
            assertThat(step(done, "b").task()).contains("out:a").contains("Use the second title.");
        }
    }

    @Test
    void an_approval_nobody_decides_is_rejected_at_the_timeout() throws Exception {
        llm.script(Graphs::echo);
        try (BrainTrust bt = TestHome.open(home, llm, Map.of("BRAIN_TRUST_APPROVAL_TIMEOUT", "300ms"))) {
            RunHandle handle = bt.runs().start(approvalBefore(Graphs.of("Gated", List.of("a", "b"), "a>b"), "a"), "test", null);
            RunRecord done = handle.result().get(20, TimeUnit.SECONDS);
            assertThat(done.status()).isEqualTo(RunStatus.REJECTED);
            assertThat(step(done, "a").error()).contains("nobody decided in time");
            assertThat(bt.runs().approvals(handle.id()).get(0).decidedBy()).isEqualTo("timeout");
            assertThat(llm.requestCount()).isZero();
        }
    }

    @Test
    void waiting_for_a_human_does_not_count_against_the_run_timeout() throws Exception {
        llm.script(Graphs::echo);
        try (BrainTrust bt = TestHome.open(home, llm, Map.of("BRAIN_TRUST_RUN_TIMEOUT", "5s"))) {
            RunHandle handle = bt.runs().start(approvalBefore(Graphs.of("Gated", List.of("a")), "a"), "test", null);
            awaitStatus(bt, handle.id(), RunStatus.WAITING);
            Thread.sleep(6000);
            assertThat(bt.runs().get(handle.id()).status()).isEqualTo(RunStatus.WAITING);
            bt.runs().decide(handle.id(), "a", true, null, "test");
            assertThat(handle.result().get(20, TimeUnit.SECONDS).status()).isEqualTo(RunStatus.SUCCEEDED);
        }
    }

    @Test
    void a_skill_that_requires_approval_pauses_before_each_call_showing_its_arguments() throws Exception {
        TestHome.skill(home, "send_mail.sh", """
                #!/bin/sh
                # NAME: send_mail
                # DESCRIPTION: Send an e-mail
                # PARAM: to (str) - The address
                # APPROVAL: required
                echo "sent to $1"
                """);
        llm.script(call -> {
            if (call.toolResults().isEmpty()) {
                return Reply.tool("send_mail", "{\"to\": \"ada@example.org\"}");
            }
            if (call.toolResults().size() == 1) {
                return Reply.tool("send_mail", "{\"to\": \"bob@example.org\"}");
            }
            return Reply.text("results: " + String.join(" | ", call.toolResults()));
        });
        try (BrainTrust bt = TestHome.open(home, llm, Map.of())) {
            RunHandle handle = bt.runs().start(Graphs.of("Mailer", List.of("a")), "test", null);
            awaitStatus(bt, handle.id(), RunStatus.WAITING);
            ApprovalRecord first = bt.runs().pendingApprovals().get(0);
            assertThat(first.kind()).isEqualTo("tool");
            assertThat(first.subject()).isEqualTo("send_mail({\"to\": \"ada@example.org\"})");
            bt.runs().decide(handle.id(), "a", true, null, "test");

            Poll.until(Duration.ofSeconds(20), "the second call to wait", () -> bt.runs().pendingApprovals().size() == 1
                    && bt.runs().pendingApprovals().get(0).seq() == 2);
            assertThat(bt.runs().pendingApprovals().get(0).subject()).contains("bob@example.org");
            bt.runs().decide(handle.id(), "a", false, "Not Bob.", "test");

            RunRecord done = handle.result().get(20, TimeUnit.SECONDS);
            assertThat(done.status()).isEqualTo(RunStatus.SUCCEEDED);
            assertThat(done.finalOutput()).contains("sent to ada@example.org")
                    .contains("a human rejected this call to send_mail, with the note: Not Bob.")
                    .doesNotContain("sent to bob");
            assertThat(step(done, "a").toolCalls()).extracting(c -> c.outcome()).containsExactly("ok", "rejected");
        }
    }

    @Test
    void a_run_waiting_when_its_process_is_killed_goes_on_after_approval_in_the_next_one() throws Exception {
        llm.script(Graphs::echo);
        Process child = ChildJvm.start(WaitingRun.class, Map.of(), home.toString(), llm.openAiBaseUrl());
        String id;
        try {
            id = readUntil(child, "waiting ");
        } finally {
            child.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
        }
        try (BrainTrust bt = TestHome.open(home, llm, Map.of())) {
            assertThat(bt.runs().get(id).status()).as("a kill does not lose a waiting run").isEqualTo(RunStatus.WAITING);
            assertThat(bt.runs().resumeWaitingRuns()).containsExactly(id);
            bt.runs().decide(id, "a", true, null, "test");
            RunRecord done = awaitStatus(bt, id, RunStatus.SUCCEEDED);
            assertThat(done.finalOutput()).isEqualTo("out:b");
            assertThat(llm.calls()).extracting(Graphs::agentOf).containsExactly("a", "b");
        }
    }

    @Test
    void a_decision_taken_in_another_process_reaches_the_process_running_the_run() throws Exception {
        llm.script(Graphs::echo);
        Process child = ChildJvm.start(WaitingRun.class, Map.of(), home.toString(), llm.openAiBaseUrl());
        try {
            String id = readUntil(child, "waiting ");
            try (BrainTrust other = TestHome.open(home, llm, Map.of())) {
                assertThat(other.runs().resumeWaitingRuns()).as("its process is alive: nobody takes it over").isEmpty();
                other.runs().decide(id, "a", true, "go", "cli");
                assertThat(readUntil(child, "finished ")).isEqualTo("succeeded");
                assertThat(other.runs().get(id).status()).isEqualTo(RunStatus.SUCCEEDED);
            }
        } finally {
            child.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void a_server_that_stops_leaves_a_waiting_run_waiting() throws Exception {
        llm.script(Graphs::echo);
        String id;
        try (BrainTrust bt = TestHome.open(home, llm, Map.of())) {
            id = bt.runs().start(approvalBefore(Graphs.of("Gated", List.of("a", "b"), "a>b"), "a"), "test", null).id();
            awaitStatus(bt, id, RunStatus.WAITING);
        }
        try (BrainTrust bt = TestHome.open(home, llm, Map.of())) {
            assertThat(bt.runs().get(id).status()).isEqualTo(RunStatus.WAITING);
            assertThat(bt.runs().resumeWaitingRuns()).containsExactly(id);
            bt.runs().decide(id, "a", false, null, "test");
            assertThat(awaitStatus(bt, id, RunStatus.REJECTED).steps()).extracting(StepRecord::status)
                    .containsExactly(StepStatus.REJECTED, StepStatus.SKIPPED);
        }
    }

    private static String readUntil(Process child, String prefix) throws Exception {
        BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        String line;
        StringBuilder seen = new StringBuilder();
        do {
            line = lines.readLine();
            if (line != null) {
                seen.append(line).append('\n');
            }
        } while (line != null && !line.startsWith(prefix));
        assertThat(line).as("the child printed '" + prefix + "'; it printed:\n" + seen).isNotNull();
        return line.substring(prefix.length());
    }
}
