package dev.braintrust.workflow;

import dev.braintrust.BrainTrust;
import dev.braintrust.context.ContextSnapshot;
import dev.braintrust.journal.ModelCallRecord;
import dev.braintrust.journal.RunRecord;
import dev.braintrust.journal.RunStatus;
import dev.braintrust.journal.StepRecord;
import dev.braintrust.journal.UsageReport;
import dev.braintrust.testing.LlmStandIn;
import dev.braintrust.testing.LlmStandIn.Reply;
import dev.braintrust.testing.TestHome;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The egress ledger: every model call, what it carried and where, against what the stand-ins received. */
class EgressLedgerTest {
    @TempDir
    Path dir;
    @AutoClose
    private final LlmStandIn llm = new LlmStandIn();
    private Path home;

    @BeforeEach
    void home() throws IOException {
        home = TestHome.create(dir.resolve("home"));
        TestHome.noSkills(home);
        TestHome.skill(home, "shout.sh", "#!/bin/sh\n# NAME: shout\n# PARAM: text (str) - what to shout\nprintf '%s!!' \"$1\"\n");
        Files.writeString(home.resolve("context/HEALTH.md"), "---\nprivacy: local\n---\nPrivate.\n");
    }

    @Test
    void the_ledger_matches_what_the_stand_ins_received_byte_for_byte() {
        // w (OpenAI) calls a tool, then answers; e (Anthropic) gets w's output; r (Ollama) runs beside them
        Workflow workflow = new Workflow("Ledger", List.of(
                new AgentNode("w", "Writer", null, "do w", "You write.", null, "gpt-4o-mini"),
                new AgentNode("e", "Editor", null, "do e", "You edit.", null, "claude-sonnet-4-5"),
                new AgentNode("r", "Researcher", null, "do r", "You research.", null, "ollama:llama3.2")),
                List.of(new WorkflowEdge("w", "e")), Map.of());
        llm.script(call -> {
            String agent = Graphs.agentOf(call);
            if (agent.equals("w") && call.toolResults().isEmpty()) {
                return Reply.tool("shout", "{\"text\":\"ünïcode\"}").usage(200, 20);
            }
            return Graphs.echo(call).usage(100 + call.messages().size(), 10);
        });

        RunRecord run;
        ContextSnapshot snapshot;
        try (BrainTrust bt = TestHome.open(home, llm, Map.of())) {
            snapshot = bt.context().snapshot();
            run = bt.runs().get(bt.runs().run(workflow, "test", null).id());
        }

        assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
        List<ModelCallRecord> ledger = run.steps().stream().flatMap(s -> s.modelCalls().stream()).toList();
        assertThat(ledger).hasSize(4).hasSameSizeAs(llm.calls());
        assertThat(ledger).extracting(ModelCallRecord::seq).containsExactlyInAnyOrder(1, 2, 3, 4);
        long ledgerBytes = ledger.stream().mapToLong(ModelCallRecord::bytesSent).sum();
        long receivedBytes = llm.calls().stream().mapToLong(LlmStandIn.Call::bodyBytes).sum();
        assertThat(ledgerBytes).isEqualTo(receivedBytes);

        StepRecord writer = step(run, "w");
        assertThat(writer.modelCalls()).hasSize(2);
        List<LlmStandIn.Call> writerCalls = llm.calls().stream().filter(c -> Graphs.agentOf(c).equals("w")).toList();
        for (int i = 0; i < 2; i++) {
            ModelCallRecord entry = writer.modelCalls().get(i);
            assertThat(entry.bytesSent()).isEqualTo(writerCalls.get(i).bodyBytes());
            assertThat(entry.provider()).isEqualTo("openai");
            assertThat(entry.host()).isEqualTo(ModelDestinations.hostOf(llm.openAiBaseUrl()));
            assertThat(entry.contextFiles()).extracting(ModelCallRecord.FileRef::name)
                    .containsExactly("MISSION.md", "GOALS.md", "BELIEFS.md", "IDENTITY.md");
            assertThat(entry.contextFiles()).allSatisfy(f -> {
                assertThat(f.revision()).isEqualTo(run.revision());
                assertThat(f.sha256()).isEqualTo(snapshot.file(f.name()).orElseThrow().sha256());
            });
            assertThat(entry.upstream()).isEmpty();
        }
        assertThat(writer.modelCalls().get(0).toolResults()).isEmpty();
        assertThat(writer.modelCalls().get(1).toolResults()).singleElement().satisfies(t -> {
            assertThat(t.tool()).isEqualTo("shout");
            assertThat(t.bytes()).isEqualTo(writerCalls.get(1).toolResults().get(0).getBytes(StandardCharsets.UTF_8).length);
        });
        assertThat(writer.modelCalls().get(0).inputTokens()).isEqualTo(200);
        assertThat(writer.inputTokens()).isEqualTo(200 + 100 + writerCalls.get(1).messages().size());

        StepRecord editor = step(run, "e");
        LlmStandIn.Call editorCall = llm.calls().stream().filter(c -> c.wire() == LlmStandIn.Wire.ANTHROPIC).findFirst().orElseThrow();
        assertThat(editor.modelCalls()).singleElement().satisfies(entry -> {
            assertThat(entry.provider()).isEqualTo("anthropic");
            assertThat(entry.bytesSent()).isEqualTo(editorCall.bodyBytes());
            assertThat(entry.upstream()).singleElement().satisfies(u -> {
                assertThat(u.nodeId()).isEqualTo("w");
                assertThat(u.agent()).isEqualTo("Writer");
                assertThat(u.bytes()).isEqualTo(writer.output().getBytes(StandardCharsets.UTF_8).length);
            });
            assertThat(editorCall.task()).contains("## Writer\n" + writer.output());
        });

        assertThat(step(run, "r").modelCalls()).singleElement().satisfies(entry -> {
            assertThat(entry.provider()).isEqualTo("ollama");
            assertThat(entry.contextFiles()).extracting(ModelCallRecord.FileRef::name).contains("HEALTH.md");
        });
        assertThat(run.usage().bytesSent()).isEqualTo(receivedBytes);
        assertThat(run.usage().modelCalls()).isEqualTo(4);
    }

    @Test
    void the_ledger_sums_per_provider_and_file_over_a_period() {
        llm.script(call -> Graphs.echo(call).usage(1000, 100));
        Workflow cloud = Graphs.of("Cloud pair", List.of("a", "b"), "a>b");
        Workflow local = new Workflow("At home", List.of(new AgentNode("h", "Home", null, "do h", null, null, "ollama:llama3.2")),
                List.of(), Map.of());
        UsageReport report;
        try (BrainTrust bt = TestHome.open(home, llm, Map.of())) {
            Instant before = Instant.now().minusSeconds(1);
            bt.runs().run(cloud, "test", null);
            bt.runs().run(cloud, "test", null);
            bt.runs().run(local, "test", null);
            report = bt.runs().usage(before);
            assertThat(bt.runs().usage(Instant.now().plusSeconds(60)).total().modelCalls()).isZero();
        }
        assertThat(report.total().modelCalls()).isEqualTo(5);
        assertThat(report.total().inputTokens()).isEqualTo(5000);
        assertThat(report.byProvider()).extracting(UsageReport.Group::key).containsExactly("ollama", "openai");
        assertThat(report.byProvider().get(1).usage().modelCalls()).isEqualTo(4);
        assertThat(report.byWorkflow()).extracting(g -> g.key() + "=" + g.usage().modelCalls())
                .containsExactly("At home=1", "Cloud pair=4");
        assertThat(report.byDay()).singleElement().satisfies(d -> assertThat(d.usage().modelCalls()).isEqualTo(5));
        assertThat(report.files()).contains(
                new UsageReport.FileEgress("BELIEFS.md", "openai", 4, report.files().stream()
                        .filter(f -> f.file().equals("BELIEFS.md") && f.provider().equals("openai")).findFirst().orElseThrow().lastSent()));
        assertThat(report.files()).filteredOn(f -> f.file().equals("HEALTH.md"))
                .singleElement().satisfies(f -> {
                    assertThat(f.provider()).isEqualTo("ollama");
                    assertThat(f.calls()).isEqualTo(1);
                });
    }

    @Test
    void a_call_that_never_connected_is_recorded_as_not_sent() throws IOException {
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        Workflow workflow = Workflow.single("nowhere", new AgentNode("a", "A", null, "do a", null, null, "ollama:llama3.2"));
        try (BrainTrust bt = TestHome.open(home, llm, Map.of("OLLAMA_BASE_URL", "http://127.0.0.1:" + closedPort,
                "BRAIN_TRUST_MODEL_RETRIES", "0"))) {
            RunRecord run = bt.runs().get(bt.runs().run(workflow, "test", null).id());
            assertThat(run.status()).isEqualTo(RunStatus.FAILED);
            assertThat(run.steps().get(0).modelCalls()).singleElement().satisfies(entry -> {
                assertThat(entry.outcome()).isEqualTo(ModelCallRecord.NOT_SENT);
                assertThat(entry.bytesSent()).isZero();
                assertThat(entry.host()).isEqualTo("127.0.0.1:" + closedPort);
            });
            assertThat(bt.runs().usage(Instant.EPOCH).files()).isEmpty();
        }
    }

    private static StepRecord step(RunRecord run, String id) {
        return run.steps().stream().filter(s -> s.nodeId().equals(id)).findFirst().orElseThrow();
    }
}
