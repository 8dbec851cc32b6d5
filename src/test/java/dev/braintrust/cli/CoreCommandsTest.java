package dev.braintrust.cli;

import dev.braintrust.context.FolderContextSource;
import dev.braintrust.context.PromptComposer;
import dev.braintrust.journal.Journal;
import dev.braintrust.journal.JournalEntry;
import dev.braintrust.testing.Files2;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class CoreCommandsTest {
    @TempDir
    Path dir;
    private Path home;
    private Map<String, String> env;

    @BeforeEach
    void setUp() {
        home = dir.resolve("pai");
        env = Map.of("PAI_HOME", home.toString(), "HOME", dir.toString());
    }

    private CliRun run(String... args) {
        return CliRun.run(env, args);
    }

    private void assertOneLineError(CliRun r, String... fragments) {
        assertThat(r.err()).startsWith("error: ").doesNotContain("\tat ").doesNotContain("Exception");
        assertThat(r.err().strip().lines()).hasSize(1);
        for (String f : fragments) {
            assertThat(r.err()).contains(f);
        }
    }

    @Test
    void init_creates_the_home_and_lists_what_it_created() {
        CliRun r = run("init");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("created  context/MISSION.md").contains("created  skills/calculator.py");
        assertThat(home.resolve("context/MISSION.md")).exists();

        CliRun again = run("init");
        assertThat(again.out()).contains("nothing to create");
    }

    @Test
    void commands_on_a_missing_home_say_to_run_init() {
        CliRun r = run("status");
        assertThat(r.exitCode()).isEqualTo(2);
        assertOneLineError(r, "brain-trust init", home.toString());
    }

    @Test
    void a_home_that_is_a_file_is_one_clear_line() throws Exception {
        Files.writeString(home, "oops");
        CliRun r = run("init");
        assertThat(r.exitCode()).isEqualTo(2);
        assertOneLineError(r, "is a file");
    }

    @Test
    void home_flag_overrides_pai_home() {
        Path other = dir.resolve("other");
        assertThat(run("--home", other.toString(), "init").exitCode()).isZero();
        assertThat(other.resolve("context/GOALS.md")).exists();
        assertThat(home).doesNotExist();
    }

    @Test
    void status_shows_mode_revision_files_missing_skills_and_skipped_scripts() throws Exception {
        run("init");
        Files.delete(home.resolve("context/BELIEFS.md"));
        Files2.write(home.resolve("skills/draft.sh"), "#!/bin/sh\n");
        Files2.write(home.resolve("workflows/broken.json"), "{ not json");

        CliRun r = run("status");
        assertThat(r.exitCode()).isZero();
        String revision;
        try (dev.braintrust.BrainTrust bt = dev.braintrust.BrainTrust.open(dev.braintrust.Config.fromEnv(env))) {
            revision = bt.context().snapshot().revision(); // local mode: the id of the home's version, the same for the same files
        }
        assertThat(r.out())
                .contains("Mode:        local — the source of truth is the folder " + home)
                .contains("revision " + revision)
                .contains("files:     MISSION.md, GOALS.md, IDENTITY.md")
                .contains("missing:   BELIEFS.md")
                .contains("Skills:      3 (calculator, current_time, word_count)")
                .contains("skipped:   skills/draft.sh — not executable; run 'chmod +x skills/draft.sh'")
                .contains("workflows/broken.json is not valid JSON")
                .contains("BELIEFS.md is missing");
    }

    @Test
    void status_warns_when_the_default_model_cannot_run_with_the_ways_to_fix_it_and_shows_the_model_aliases() throws Exception {
        run("init");
        String closed = RunCommandTest.closedPortUrl();
        Files2.write(home.resolve("workflows/models.json"), "{\"fast\": \"ollama:llama3.2\", \"gemini-pro\": null}");
        CliRun r = CliRun.run(Map.of("PAI_HOME", home.toString(), "HOME", dir.toString(), "OLLAMA_BASE_URL", closed), "status");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("Providers:   (none)")
                .contains("  ollama:    does not answer at " + closed + " (OLLAMA_BASE_URL)")
                .contains("Default model: gpt-4o-mini (OpenAI) (BRAIN_TRUST_DEFAULT_MODEL) — CANNOT RUN")
                .contains("  problem:   the default model gpt-4o-mini needs OpenAI, which has no key")
                .contains("  to fix:    Set OPENAI_API_KEY (or OPENAI_BASE_URL for an OpenAI-compatible server)")
                .contains("             or set ANTHROPIC_API_KEY and BRAIN_TRUST_DEFAULT_MODEL=claude-sonnet-4-5")
                .contains("             or run Ollama locally ('ollama pull llama3.2') and set BRAIN_TRUST_DEFAULT_MODEL=ollama:llama3.2")
                .contains("claude-3-5-sonnet, claude-3.5-sonnet, ")
                .contains(" → claude-sonnet-4-5\n")
                .contains("  fast → ollama:llama3.2  (workflows/models.json)")
                .contains("  gemini-pro → sent as written (built-in alias removed by workflows/models.json)")
                .contains("no model can run for agents that name none");
        assertThat(r.out()).doesNotContain("  gemini-pro, ").contains("  gemini-1.0-pro, ");

        try (dev.braintrust.testing.LlmStandIn ollama = new dev.braintrust.testing.LlmStandIn()) {
            CliRun local = CliRun.run(Map.of("PAI_HOME", home.toString(), "HOME", dir.toString(),
                    "OLLAMA_BASE_URL", ollama.ollamaBaseUrl(), "BRAIN_TRUST_DEFAULT_MODEL", "fast"), "status");
            assertThat(local.out()).contains("Providers:   ollama")
                    .contains("  ollama:    answers at " + ollama.ollamaBaseUrl() + " (1 model: llama3.2:latest)")
                    .contains("Default model: fast → ollama:llama3.2 (Ollama) (BRAIN_TRUST_DEFAULT_MODEL)\n")
                    .doesNotContain("CANNOT RUN").doesNotContain("no model can run");
        }
    }

    @Test
    void status_json_is_machine_readable_and_names_no_secret() {
        run("init");
        CliRun r = CliRun.run(Map.of("PAI_HOME", home.toString(), "OPENAI_API_KEY", "sk-sentinel-123"), "status", "--json");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("\"mode\" : \"local\"").contains("\"openai\"").doesNotContain("sk-sentinel");
    }

    @Test
    void context_prompt_prints_exactly_the_composed_prompt() {
        run("init");
        Files2.write(home.resolve("context/RESEARCH.md"), "Current research: local-first software.");
        CliRun r = run("context", "--prompt", "You are my research assistant.");
        assertThat(r.exitCode()).isZero();
        String expected = PromptComposer.compose(
                new FolderContextSource(home.resolve("context"), Clock.systemUTC()).load(), "You are my research assistant.");
        assertThat(r.out()).isEqualTo(expected);
        assertThat(r.out()).contains("## Research\nCurrent research: local-first software.");
    }

    @Test
    void context_lists_files_with_sizes_and_hashes() {
        run("init");
        CliRun r = run("context");
        assertThat(r.out()).contains("Revision: ").contains("MISSION.md").contains("sha256");
    }

    @Test
    void skills_list_shows_the_secrets_each_skill_receives_and_which_the_server_lacks() throws Exception {
        run("init");
        Files2.script(home.resolve("skills/search.sh"), "#!/bin/sh\n# ENV: SERPAPI_API_KEY\n# ENV: MISSING_KEY\necho \"$SERPAPI_API_KEY\"\n");
        Map<String, String> withKey = new java.util.HashMap<>(env);
        withKey.put("SERPAPI_API_KEY", "serp-value");
        CliRun list = CliRun.run(withKey, "skills", "list");
        assertThat(list.out()).contains("search — (no description)\n    receives: SERPAPI_API_KEY, MISSING_KEY (not set on this server")
                .contains("Every skill also receives PATH, HOME").doesNotContain("serp-value");
        assertThat(CliRun.run(withKey, "skills", "run", "search").out()).isEqualTo("serp-value\n");
    }

    @Test
    void skills_list_and_run() {
        run("init");
        assertThat(run("skills", "list").out()).contains("calculator — Evaluate").contains("expression (str)");

        CliRun calc = run("skills", "run", "calculator", "expression=2*(3+4)");
        assertThat(calc.exitCode()).as(calc.err()).isZero();
        assertThat(calc.out()).isEqualTo("14\n");

        CliRun words = run("skills", "run", "word_count", "text=one two three");
        assertThat(words.out()).contains("words=3");
    }

    @Test
    void skill_errors_have_meaningful_exit_codes() {
        run("init");
        CliRun failed = run("skills", "run", "calculator", "expression=1/0");
        assertThat(failed.exitCode()).isEqualTo(1);
        assertThat(failed.err()).contains("exited with code 2").contains("division by zero");

        CliRun missing = run("skills", "run", "calculator");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertOneLineError(missing, "needs the parameter 'expression'");

        assertThat(run("skills", "run", "nope").exitCode()).isEqualTo(2);
        assertOneLineError(run("skills", "run", "../../bin/sh"), "not a skill name");
        assertOneLineError(run("skills", "run", "calculator", "no-equals-sign"), "name=value");
    }

    @Test
    void logs_prints_the_latest_day_or_a_given_one() {
        run("init");
        assertThat(run("logs").out()).contains("journal is empty");
        Journal journal = new Journal(home.resolve("logs"), Clock.systemDefaultZone());
        journal.append(new JournalEntry(Instant.parse("2026-02-01T09:00:00Z"), "Old run", "succeeded", Duration.ofSeconds(1), "r0", List.of("A"), null, "old"));
        journal.append(new JournalEntry(Instant.now(), "New run", "failed", Duration.ofSeconds(2), "r1", List.of("B"), null, "new"));

        assertThat(run("logs").out()).contains("New run").doesNotContain("Old run");
        assertThat(run("logs", "--list").out().lines().toList()).hasSize(2);
        CliRun bad = run("logs", "../../etc/passwd");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertOneLineError(bad, "YYYY-MM-DD");
    }

    @Test
    void help_is_available_on_every_command() {
        for (String[] args : new String[][]{{"--help"}, {"init", "--help"}, {"status", "--help"}, {"context", "--help"},
                {"skills", "--help"}, {"skills", "run", "--help"}, {"logs", "--help"}}) {
            CliRun r = run(args);
            assertThat(r.exitCode()).as(String.join(" ", args)).isZero();
            assertThat(r.out()).contains("Usage:");
        }
    }

    @Test
    void an_unknown_option_is_bad_input() {
        CliRun r = run("status", "--nope");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("Unknown option").contains("--help");
    }

    @Test
    void a_mistyped_command_gets_the_closest_command_suggested() {
        CliRun status = run("stauts");
        assertThat(status.exitCode()).isEqualTo(2);
        assertThat(status.err()).startsWith("error: 'stauts' is not a brain-trust command\nDid you mean: brain-trust status?\n")
                .doesNotContain("Unmatched argument");
        assertThat(run("skill", "list").err()).contains("Did you mean: brain-trust skills?");
        assertThat(run("skills", "lsit").err()).contains("error: 'lsit' is not a brain-trust skills command")
                .contains("The commands are: list, run");
        assertThat(run("status", "--jsn").err()).contains("Did you mean: brain-trust status --json?");
    }

    @Test
    void every_summary_in_the_top_level_help_is_one_whole_sentence() {
        String help = run("--help").out();
        String commands = help.substring(help.indexOf("Commands:") + "Commands:".length(), help.indexOf("Environment:")).strip();
        java.util.Map<String, String> summaries = new java.util.LinkedHashMap<>();
        String current = null;
        for (String line : commands.lines().toList()) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\S+)\\s+(.*)$").matcher(line.strip());
            if (!line.startsWith("             ") && m.matches()) {
                current = m.group(1);
                summaries.put(current, m.group(2));
            } else if (current != null && !line.isBlank()) {
                summaries.merge(current, " " + line.strip(), String::concat);
            }
        }
        assertThat(summaries).containsKeys("init", "status", "sync", "publish", "clone", "run", "chat", "serve");
        summaries.forEach((command, summary) -> assertThat(summary).as(command).endsWith(".").doesNotEndWith(",.")
                .doesNotContain(",  "));
    }

    @Test
    void logs_list_on_an_empty_journal_says_so_and_a_missing_day_points_at_logs_list() {
        run("init");
        CliRun list = run("logs", "--list");
        assertThat(list.exitCode()).isZero();
        assertThat(list.out()).contains("The journal is empty");
        CliRun missing = run("logs", "2026-01-01");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertOneLineError(missing, "no journal for 2026-01-01", "'brain-trust logs --list'");
    }

    @Test
    void a_context_entry_that_is_a_folder_is_named_and_init_says_why_it_cannot_create_the_file() throws Exception {
        run("init");
        Files.delete(home.resolve("context/GOALS.md"));
        Files.createDirectories(home.resolve("context/GOALS.md"));
        Files.createDirectories(home.resolve("context/notes"));
        Files2.write(home.resolve("context/notes/IDEAS.md"), "ideas");

        CliRun status = run("status");
        assertThat(status.out()).contains("missing:   GOALS.md") // the file is still missing; the folder has its own warning
                .contains("context/GOALS.md is a folder, not a file; it is not read: rename or remove it")
                .contains("context/notes/ is a folder: only the *.md files directly in context/ are loaded")
                .doesNotContain("GOALS.md is missing");

        CliRun init = run("init");
        assertThat(init.exitCode()).isZero();
        assertThat(init.out()).doesNotContain("is complete");
        assertThat(init.err()).contains("warning: context/GOALS.md is a folder, so the example file of that name was not created; "
                + "rename or remove the folder context/GOALS.md/");
    }

    @Test
    void the_example_current_time_skill_refuses_an_unknown_zone_naming_the_argument() {
        run("init");
        CliRun mars = run("skills", "run", "current_time", "timezone=Mars/Base");
        assertThat(mars.exitCode()).isEqualTo(1);
        assertThat(mars.out()).isEmpty();
        assertThat(mars.err()).contains("timezone: unknown time zone 'Mars/Base'").contains("Europe/Paris");

        CliRun paris = run("skills", "run", "current_time", "timezone=Europe/Paris");
        assertThat(paris.exitCode()).as(paris.err()).isZero();
        assertThat(paris.out()).containsPattern("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\+0[12]00 ");
        assertThat(run("skills", "run", "current_time").out()).contains("+0000");
    }
}
