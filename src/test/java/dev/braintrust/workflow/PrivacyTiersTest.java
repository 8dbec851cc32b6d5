package dev.braintrust.workflow;

import dev.braintrust.BrainTrust;
import dev.braintrust.context.ContextSelection;
import dev.braintrust.journal.ContextShare;
import dev.braintrust.journal.RunRecord;
import dev.braintrust.journal.RunStatus;
import dev.braintrust.journal.StepRecord;
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
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Privacy tiers end to end: what each provider's stand-in received, by the files' front matter. */
class PrivacyTiersTest {
    static final String HEALTH = "Blood pressure 120/80; allergic to penicillin.";
    static final String DIARY = "Dear diary, today I doubted everything.";

    @TempDir
    Path dir;
    @AutoClose
    private final LlmStandIn llm = new LlmStandIn();
    private Path home;

    @BeforeEach
    void home() throws IOException {
        home = TestHome.create(dir.resolve("home"));
        TestHome.noSkills(home);
        Files.writeString(home.resolve("context/HEALTH.md"), "---\nprivacy: local\n---\n" + HEALTH + "\n");
        Files.writeString(home.resolve("context/DIARY.md"), "---\ntitle: Diary\nprivacy: never\n---\n\n" + DIARY + "\n");
    }

    /** Two independent agents: one on Ollama (this machine), one on the OpenAI-compatible endpoint. */
    private static Workflow localAndCloud() {
        return new Workflow("Two destinations", List.of(
                new AgentNode("l", "Local", null, "do l", "You run at home.", null, "ollama:llama3.2"),
                new AgentNode("c", "Cloud", null, "do c", "You run in the cloud.", null, "gpt-4o-mini")), List.of(), Map.of());
    }

    private RunRecord run(Workflow workflow, Map<String, String> env) {
        llm.script(Graphs::echo);
        try (BrainTrust bt = TestHome.open(home, llm, env)) {
            RunRecord run = bt.runs().run(workflow, "test", null);
            return bt.runs().get(run.id());
        }
    }

    private LlmStandIn.Call callOf(LlmStandIn.Wire wire) {
        return llm.calls().stream().filter(c -> c.wire() == wire).findFirst().orElseThrow();
    }

    private static StepRecord step(RunRecord run, String id) {
        return run.steps().stream().filter(s -> s.nodeId().equals(id)).findFirst().orElseThrow();
    }

    @Test
    void a_local_file_reaches_the_ollama_stand_in_and_not_the_openai_one_and_never_reaches_neither() {
        RunRecord run = run(localAndCloud(), Map.of());

        assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
        LlmStandIn.Call ollama = callOf(LlmStandIn.Wire.OLLAMA);
        LlmStandIn.Call openAi = callOf(LlmStandIn.Wire.OPENAI);
        assertThat(ollama.system()).contains("## Health\n" + HEALTH).contains(TestHome.MISSION)
                .doesNotContain(ContextSelection.WITHHELD_NOTICE);
        assertThat(openAi.system()).doesNotContain(HEALTH).doesNotContain("Health").contains(TestHome.MISSION)
                .contains("\n" + ContextSelection.WITHHELD_NOTICE + "\n");
        for (LlmStandIn.Call call : llm.calls()) {
            assertThat(call.body().toString()).doesNotContain(DIARY).doesNotContain("Diary").doesNotContain("privacy:")
                    .doesNotContain("---\\nprivacy");
        }
        assertThat(step(run, "l").context()).isEqualTo(new ContextShare(hostOf(llm.ollamaBaseUrl()), true,
                List.of("MISSION.md", "GOALS.md", "BELIEFS.md", "IDENTITY.md", "HEALTH.md"),
                List.of(new ContextShare.WithheldFile("DIARY.md", "never"))));
        assertThat(step(run, "c").context().local()).isFalse();
        assertThat(step(run, "c").context().received()).containsExactly("MISSION.md", "GOALS.md", "BELIEFS.md", "IDENTITY.md");
        assertThat(step(run, "c").context().withheld()).containsExactly(
                new ContextShare.WithheldFile("DIARY.md", "never"), new ContextShare.WithheldFile("HEALTH.md", "local"));
        assertThat(step(run, "c").systemPrompt()).isEqualTo(openAi.system());
    }

    @Test
    void an_openai_compatible_server_listed_as_a_local_host_receives_local_files() {
        String host = hostOf(llm.openAiBaseUrl());
        RunRecord run = run(localAndCloud(), Map.of("BRAIN_TRUST_LOCAL_MODEL_HOSTS", "gpu-box.lan, " + host));

        assertThat(callOf(LlmStandIn.Wire.OPENAI).system()).contains(HEALTH).doesNotContain(DIARY);
        assertThat(step(run, "c").context().local()).isTrue();
        assertThat(step(run, "c").context().host()).isEqualTo(host);
    }

    @Test
    void an_unknown_tier_is_treated_as_never_and_warned_about_by_name() throws IOException {
        Files.writeString(home.resolve("context/PLANS.md"), "---\nprivacy: secret\n---\nBuy the house on Elm Street.\n");

        RunRecord run = run(localAndCloud(), Map.of());

        assertThat(llm.calls()).allSatisfy(c -> assertThat(c.body().toString()).doesNotContain("Elm Street"));
        assertThat(step(run, "l").context().withheld()).contains(new ContextShare.WithheldFile("PLANS.md", "never"));
        try (BrainTrust bt = TestHome.open(home, llm, Map.of())) {
            assertThat(bt.status().warnings()).anySatisfy(w -> assertThat(w).contains("context/PLANS.md")
                    .contains("privacy: secret").contains("treated as never"));
        }
    }

    @Test
    void a_dry_run_shows_per_agent_what_it_receives_and_what_is_withheld() {
        try (BrainTrust bt = TestHome.open(home, llm, Map.of())) {
            DryRun dry = bt.runs().dryRun(localAndCloud());
            DryRun.Agent cloud = dry.agents().stream().filter(a -> a.nodeId().equals("c")).findFirst().orElseThrow();
            assertThat(cloud.context().withheld()).extracting(ContextShare.WithheldFile::name).containsExactly("DIARY.md", "HEALTH.md");
            assertThat(cloud.systemPrompt()).doesNotContain(HEALTH).contains(ContextSelection.WITHHELD_NOTICE);
            DryRun.Agent local = dry.agents().stream().filter(a -> a.nodeId().equals("l")).findFirst().orElseThrow();
            assertThat(local.context().received()).contains("HEALTH.md");
            assertThat(local.systemPrompt()).contains(HEALTH).doesNotContain(DIARY);
        }
        assertThat(llm.requestCount()).isZero();
    }

    static String hostOf(String url) {
        return ModelDestinations.hostOf(url);
    }
}
