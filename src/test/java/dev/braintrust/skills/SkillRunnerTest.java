package dev.braintrust.skills;

import dev.braintrust.BrainTrustException;
import dev.braintrust.testing.ChildJvm;
import dev.braintrust.testing.Files2;
import dev.braintrust.testing.Poll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SkillRunnerTest {
    @TempDir
    Path home;
    private final SkillRunner runner = new SkillRunner(Duration.ofSeconds(10), 1024);

    @AfterEach
    void close() {
        runner.close();
    }

    private Skill skill(String name, String body, SkillParam... params) {
        Path script = Files2.script(home.resolve("skills").resolve(name + ".sh"), "#!/usr/bin/env bash\n" + body);
        return new Skill(name, "", List.of(params), script);
    }

    private static SkillParam required(String name) {
        return new SkillParam(name, "str", "", true);
    }

    @Test
    void passes_arguments_as_argv_so_shell_syntax_stays_literal() {
        Skill echo = skill("echo_args", "printf '%s\\n' \"$@\"\n", required("a"), required("b"));
        String hostile = "$(touch " + home.resolve("pwned") + "); `id` | rm -rf / ; 'quoted' \"double\"";
        SkillResult result = runner.run(echo, Map.of("a", hostile, "b", "two words"));

        assertThat(result.ok()).isTrue();
        assertThat(result.output()).isEqualTo(hostile + "\ntwo words\n");
        assertThat(home.resolve("pwned")).doesNotExist();
    }

    @Test
    void passes_arguments_in_the_order_of_the_param_headers_and_leaves_trailing_optional_ones_out() {
        Skill skill = skill("order", "echo \"$# [$1] [$2] [$3]\"\n", required("first"),
                new SkillParam("second", "str", "", false), new SkillParam("third", "str", "", false));
        assertThat(runner.run(skill, Map.of("first", "1")).output()).isEqualTo("1 [1] [] []\n");
        assertThat(runner.run(skill, Map.of("third", "3", "first", "1")).output()).isEqualTo("3 [1] [] [3]\n");
    }

    @Test
    void runs_in_the_home_folder() throws Exception {
        Skill pwd = skill("where", "pwd\n");
        assertThat(runner.run(pwd, Map.of()).output().strip()).isEqualTo(home.toRealPath().toString());
    }

    @Test
    void reports_exit_code_and_the_tail_of_stderr_on_failure() {
        Skill failing = skill("failing", "for i in $(seq 1 2000); do echo \"noise $i\" >&2; done\necho 'real problem' >&2\nexit 3\n");
        SkillResult result = runner.run(failing, Map.of());
        assertThat(result.ok()).isFalse();
        assertThat(result.exitCode()).isEqualTo(3);
        assertThat(result.stderrTail()).endsWith("real problem\n").hasSizeLessThanOrEqualTo(SkillRunner.STDERR_TAIL_BYTES);
        assertThat(result.failureSummary()).contains("exited with code 3").contains("real problem");
    }

    @Test
    void caps_the_output_and_marks_it_truncated() {
        Skill chatty = skill("chatty", "head -c 100000 /dev/zero | tr '\\0' 'x'\n");
        SkillResult result = runner.run(chatty, Map.of());
        assertThat(result.ok()).isTrue();
        assertThat(result.output()).hasSize(1024);
        assertThat(result.truncated()).isTrue();
    }

    @Test
    void kills_the_whole_process_tree_on_timeout() throws Exception {
        Path pidFile = home.resolve("child.pid");
        Skill slow = skill("slow", "sleep 300 &\necho $! > " + pidFile + "\nwait\n");
        SkillRunner quick = new SkillRunner(Duration.ofMillis(500), 1024);
        SkillResult result = quick.run(slow, Map.of());
        quick.close();

        assertThat(result.timedOut()).isTrue();
        assertThat(result.ok()).isFalse();
        assertThat(result.failureSummary()).contains("timed out");
        long child = Long.parseLong(Files.readString(pidFile).strip());
        Poll.until(Duration.ofSeconds(5), "the grandchild sleep to die",
                () -> ProcessHandle.of(child).map(h -> !h.isAlive()).orElse(true));
    }

    @Test
    void checks_arguments_before_starting_anything() {
        Path marker = home.resolve("started");
        Skill skill = skill("typed", "touch " + marker + "\n", required("text"), new SkillParam("count", "int", "", false));
        assertThatThrownBy(() -> runner.run(skill, Map.of())).isInstanceOf(BrainTrustException.BadInput.class)
                .hasMessageContaining("needs the parameter 'text'");
        assertThatThrownBy(() -> runner.run(skill, Map.of("text", "x", "colour", "red")))
                .isInstanceOf(BrainTrustException.BadInput.class).hasMessageContaining("no parameter colour");
        assertThatThrownBy(() -> runner.run(skill, Map.of("text", "x", "count", "many")))
                .isInstanceOf(BrainTrustException.BadInput.class).hasMessageContaining("type int");
        assertThat(marker).doesNotExist();
    }

    @Test
    void a_script_whose_interpreter_is_missing_is_a_clear_error() {
        Path script = Files2.script(home.resolve("skills/ghost.sh"), "#!/no/such/interpreter\n");
        Skill ghost = new Skill("ghost", "", List.of(), script);
        assertThatThrownBy(() -> runner.run(ghost, Map.of())).isInstanceOf(BrainTrustException.Unavailable.class)
                .hasMessageContaining("interpreter");
    }

    @Test
    void secrets_are_removed_from_the_skill_environment() throws Exception {
        Path script = Files2.script(home.resolve("skills/env.sh"), "#!/bin/sh\nenv\n");
        Map<String, String> secrets = Map.of(
                "BRAIN_TRUST_API_KEY", "sentinel-api-key",
                "WEBHOOK_SECRET", "sentinel-webhook",
                "BRAIN_TRUST_GIT_TOKEN", "sentinel-git-token",
                "OPENAI_API_KEY", "sentinel-openai",
                "SOME_VENDOR_API_KEY", "sentinel-vendor",
                "GEMINI_API_KEY_FILE", "/run/secrets/sentinel-file",
                "HARMLESS_SETTING", "kept-value");
        // A real child JVM with these variables runs the skill, as the server would.
        Process jvm = ChildJvm.start(SkillEnvProbe.class, secrets, script.toString());
        String output = new String(jvm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(jvm.waitFor()).as(output).isZero();

        assertThat(output).contains("HARMLESS_SETTING=kept-value").doesNotContain("sentinel");
    }

    /** The child JVM's entry point: runs one skill script and prints its output. */
    public static final class SkillEnvProbe {
        public static void main(String[] args) {
            Skill skill = new Skill("env", "", List.of(), Path.of(args[0]));
            try (SkillRunner runner = new SkillRunner(Duration.ofSeconds(10), 65536)) {
                System.out.print(runner.run(skill, Map.of()).output());
            }
        }
    }
}
