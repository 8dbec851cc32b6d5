package dev.braintrust.skills;

import dev.braintrust.BrainTrustException;
import dev.braintrust.Environment;
import dev.braintrust.testing.ChildJvm;
import dev.braintrust.testing.Files2;
import dev.braintrust.testing.Poll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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
        SkillResult r = runner.run(pwd, Map.of());
        assertThat(r.output().strip()).as(r.stderrTail() + r.exitCode()).isEqualTo(home.toRealPath().toString());
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

    /** A unique argument for {@code sleep}, by which a test finds the process wherever it went (sleep adds its arguments up). */
    private static String token() {
        return "0." + (System.nanoTime() % 1_000_000_000L);
    }

    private static List<ProcessHandle> processesWith(String argument) {
        return ProcessHandle.allProcesses().filter(h -> h.info().arguments()
                .map(a -> List.of(a).contains(argument)).orElse(false)).toList();
    }

    private static void assertGone(String argument, String what) {
        Poll.until(Duration.ofSeconds(5), what + " to be killed", () -> processesWith(argument).isEmpty());
    }

    @ParameterizedTest(name = "in a {0}")
    @ValueSource(strings = {"namespace", "session"})
    void kills_the_whole_process_tree_on_timeout(String isolation) {
        String token = token();
        Skill slow = skill("slow", "echo partial\nsleep 300 " + token + " &\nwait\n");
        try (SkillRunner quick = new SkillRunner(Duration.ofMillis(500), 1024, Environment.of(System.getenv()), isolation)) {
            SkillResult result = quick.run(slow, Map.of());
            assertThat(result.timedOut()).isTrue();
            assertThat(result.ok()).isFalse();
            assertThat(result.failureSummary()).contains("timed out");
            assertThat(result.output()).as("the output read before the timeout is kept").isEqualTo("partial\n");
        }
        assertThat(processesWith(token)).as("the grandchild sleep is killed with the run").isEmpty();
    }

    @ParameterizedTest(name = "in a {0}")
    @ValueSource(strings = {"namespace", "session"})
    void a_process_that_starts_its_own_session_does_not_outlive_the_run(String isolation) {
        String token = token();
        Skill escaping = skill("escaping", "( setsid sleep 300 " + token + " > /dev/null 2>&1 & )\necho started\n");
        try (SkillRunner runner = new SkillRunner(Duration.ofSeconds(10), 1024, Environment.of(System.getenv()), isolation)) {
            Poll.until(Duration.ofSeconds(1), "nothing left of earlier runs", () -> processesWith(token).isEmpty());
            SkillResult result = runner.run(escaping, Map.of());
            assertThat(result.ok()).isTrue();
            assertThat(result.output()).isEqualTo("started\n");
        }
        assertThat(processesWith(token)).as("setsid sleep 300 is killed when the run ends").isEmpty();
    }

    @ParameterizedTest(name = "in a {0}")
    @ValueSource(strings = {"namespace", "session"})
    void a_script_that_exits_leaving_a_child_on_its_output_returns_at_once_with_its_output(String isolation) throws Exception {
        String token = token();
        Skill leaving = skill("leaving", "echo 'the answer'\nsleep 120 " + token + " &\nexit 0\n");
        SkillResult result;
        try (SkillRunner runner = new SkillRunner(Duration.ofSeconds(30), 1024, Environment.of(System.getenv()), isolation)) {
            result = runner.run(leaving, Map.of());
        }
        assertThat(result.ok()).isTrue();
        assertThat(result.output()).isEqualTo("the answer\n");
        assertThat(result.truncated()).isFalse();
        assertThat(result.duration()).isLessThan(Duration.ofSeconds(3));
        assertThat(processesWith(token)).as("the background sleep is killed with the run").isEmpty();
        assertThat(blockedReaders()).as("no reader thread is left blocked on the pipe").isEmpty();
    }

    /** Reader threads still inside a read of a process pipe. */
    private static List<Thread> blockedReaders() {
        return Thread.getAllStackTraces().entrySet().stream()
                .filter(e -> e.getKey().getName().equals("skill-output") && e.getKey().getState() == Thread.State.RUNNABLE)
                .filter(e -> List.of(e.getValue()).stream().anyMatch(f -> f.getMethodName().startsWith("read")))
                .map(Map.Entry::getKey).toList();
    }

    @Test
    void the_namespace_of_a_server_that_is_not_root_keeps_the_users_id_and_still_ends_every_process() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "needs root to become another user for the test");
        String token = token();
        Path script = Files2.script(Files.createTempDirectory("skill-as-nobody").resolve("check.sh"),
                "#!/bin/sh\n( setsid sleep 300 " + token + " >/dev/null 2>&1 & )\necho \"pid=$$ uid=$(id -u)\"\n");
        Files.setPosixFilePermissions(script.getParent(), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        List<String> command = new java.util.ArrayList<>(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"));
        command.addAll(SkillSandbox.unsharePrefix(false));
        command.add(script.toString());
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(output).isZero();
        assertThat(output).isEqualTo("pid=1 uid=65534\n");
        assertGone(token, "the setsid sleep of a namespace whose process 1 ended");
    }

    @Test
    void in_a_namespace_the_skill_cannot_see_the_server_process() {
        long server = ProcessHandle.current().pid();
        Skill looking = skill("looking", "echo \"parent=$PPID\"\n"
                + "test -e /proc/" + server + "/environ && echo server-visible\n"
                + "ls /proc | grep -c '^[0-9]'\n");
        try (SkillRunner runner = new SkillRunner(Duration.ofSeconds(10), 4096, Environment.of(System.getenv()), "namespace")) {
            SkillResult result = runner.run(looking, Map.of());
            assertThat(result.ok()).as(result.stderrTail()).isTrue();
            assertThat(result.output()).startsWith("parent=0\n").doesNotContain("server-visible");
            int processes = Integer.parseInt(result.output().lines().reduce((x, y) -> y).orElseThrow().strip());
            assertThat(processes).as("only the skill's own processes").isLessThan(5);
        }
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
    void a_skill_receives_only_the_allowlist_and_the_variables_it_declares() throws Exception {
        Path keyFile = Files2.write(home.resolve("secrets/weather-key"), "from-a-file\n");
        Path script = Files2.script(home.resolve("skills/env.sh"), "#!/bin/sh\n# ENV: SERPAPI_API_KEY, WEATHER_KEY\n# ENV: ABSENT_KEY\nenv\n");
        Map<String, String> secrets = new java.util.HashMap<>(Map.of(
                "BRAIN_TRUST_API_KEY", "sentinel-api-key",
                "WEBHOOK_SECRET", "sentinel-webhook",
                "BRAIN_TRUST_GIT_TOKEN", "sentinel-git-token",
                "BRAIN_TRUST_GIT_URL", "https://sentinel-user:sentinel-token@example.org/r.git",
                "BRAIN_TRUST_DB_URL", "jdbc:postgresql://db/x?password=sentinel-db",
                "OPENAI_API_KEY", "sentinel-openai",
                "GITHUB_TOKEN", "sentinel-github",
                "AWS_SECRET_ACCESS_KEY", "sentinel-aws",
                "PGPASSWORD", "sentinel-pg",
                "HARMLESS_SETTING", "sentinel-not-on-the-allowlist"));
        secrets.put("SERPAPI_API_KEY", "declared-serpapi");
        secrets.put("WEATHER_KEY_FILE", keyFile.toString());
        secrets.put("LANG", "C.UTF-8");
        secrets.put("LC_TIME", "en_GB.UTF-8");
        // A real child JVM with these variables runs the skill, as the server would.
        Process jvm = ChildJvm.start(SkillEnvProbe.class, secrets, script.toString());
        String output = new String(jvm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(jvm.waitFor()).as(output).isZero();

        assertThat(output).doesNotContain("sentinel").contains("SERPAPI_API_KEY=declared-serpapi\n")
                .contains("WEATHER_KEY=from-a-file\n").doesNotContain("WEATHER_KEY_FILE").doesNotContain("ABSENT_KEY")
                .contains("LANG=C.UTF-8\n", "LC_TIME=en_GB.UTF-8\n", "PATH=", "HOME=", "PAI_HOME=" + home);
        List<String> names = output.lines().map(l -> l.substring(0, Math.max(0, l.indexOf('=')))).toList();
        assertThat(names).as("nothing but the allowlist, the declared variables and the run's marker")
                .allSatisfy(n -> assertThat(n).isIn("PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TZ",
                        "TMPDIR", "TERM", "LC_TIME", "PAI_HOME", "SERPAPI_API_KEY", "WEATHER_KEY", "BRAIN_TRUST_SKILL_RUN",
                        "PWD", "SHLVL", "_", "OLDPWD"));
    }

    @Test
    void tells_which_declared_variables_the_server_can_give() throws Exception {
        Path script = Files2.script(home.resolve("skills/env.sh"), "#!/bin/sh\n");
        Skill skill = new Skill("env", "", List.of(), script, List.of("SERPAPI_API_KEY", "MISSING_KEY"));
        try (SkillRunner runner = new SkillRunner(Duration.ofSeconds(5), 1024, Environment.of(Map.of("SERPAPI_API_KEY", "k")), "auto")) {
            assertThat(runner.variablesOf(skill)).containsExactly(new SkillVariable("SERPAPI_API_KEY", true),
                    new SkillVariable("MISSING_KEY", false));
        }
    }

    /** The child JVM's entry point: runs one skill script and prints its output. */
    public static final class SkillEnvProbe {
        public static void main(String[] args) throws Exception {
            Skill skill = SkillHeaderParser.parse(Path.of(args[0]), java.nio.file.Files.readAllLines(Path.of(args[0])));
            try (SkillRunner runner = new SkillRunner(Duration.ofSeconds(10), 65536)) {
                System.out.print(runner.run(skill, Map.of()).output());
            }
        }
    }
}
