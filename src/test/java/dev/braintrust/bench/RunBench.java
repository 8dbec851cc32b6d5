package dev.braintrust.bench;

import dev.braintrust.BrainTrust;
import dev.braintrust.Config;
import dev.braintrust.context.ContextService;
import dev.braintrust.context.FolderContextSource;
import dev.braintrust.home.PaiHome;
import dev.braintrust.journal.Journal;
import dev.braintrust.journal.RunRecord;
import dev.braintrust.journal.RunStatus;
import dev.braintrust.journal.RunStore;
import dev.braintrust.journal.StepRecord;
import dev.braintrust.journal.StepStatus;
import dev.braintrust.journal.ToolCallRecord;
import dev.braintrust.skills.SkillRegistry;
import dev.braintrust.skills.SkillRunner;
import dev.braintrust.testing.LlmStandIn;
import dev.braintrust.testing.TestHome;
import dev.braintrust.testing.TestPostgres;
import dev.braintrust.workflow.AgentNode;
import dev.braintrust.workflow.ModelGateway;
import dev.braintrust.workflow.RunService;
import dev.braintrust.workflow.Workflow;
import dev.braintrust.workflow.WorkflowEdge;
import dev.braintrust.workflow.WorkflowLibrary;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.TokenUsage;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Agents-and-workflows figures for issue 5 (run by bench/runs.sh, not a unit test):
 * <ol>
 *   <li>fan-out of 8 independent agents whose model (the HTTP stand-in) answers after 500 ms,
 *       parallelism 8 against parallelism 1, in the same run;</li>
 *   <li>orchestration overhead per agent with an instant model: in-process (the seam) and over
 *       HTTP to the stand-in, for a chain and a fan-out of 200 agents;</li>
 *   <li>1,000 stored runs: listing a page, listing all, fetching one with its steps, on SQLite
 *       and PostgreSQL.</li>
 * </ol>
 * Usage: RunBench <empty dir>
 */
public final class RunBench {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        try {
            System.out.println("load average at start: " + Files.readString(Path.of("/proc/loadavg")).strip()
                    + " (" + Runtime.getRuntime().availableProcessors() + " cores)");
        } catch (java.io.IOException ignored) {
            // not Linux
        }
        fanOut(dir.resolve("fanout"));
        overhead(dir.resolve("overhead"));
        history(dir.resolve("history-sqlite"), false);
        history(dir.resolve("history-pg"), true);
    }

    // ---- 1. fan-out ------------------------------------------------------------------------

    private static void fanOut(Path dir) {
        Path home = TestHome.create(dir);
        TestHome.noSkills(home);
        List<String> ids = List.of("a", "b", "c", "d", "e", "f", "g", "h");
        Workflow eight = graph("Fan-out of 8", ids);
        try (LlmStandIn llm = new LlmStandIn()) {
            llm.script(call -> LlmStandIn.Reply.text("answer").after(500));
            double[] parallel = new double[3];
            double[] sequential = new double[3];
            try (BrainTrust p8 = TestHome.open(home, llm, Map.of("BRAIN_TRUST_MAX_PARALLEL", "8"));
                 BrainTrust p1 = TestHome.open(home, llm, Map.of("BRAIN_TRUST_MAX_PARALLEL", "1"))) {
                p8.runs().run(graph("warm-up", List.of("w")), "bench", null);
                for (int i = 0; i < parallel.length; i++) {
                    parallel[i] = timeRun(p8, eight);
                    sequential[i] = timeRun(p1, eight);
                }
            }
            double par = median(parallel);
            double seq = median(sequential);
            System.out.printf(Locale.ROOT, "fan-out of 8 agents, model answers after 500 ms (median of 3):%n");
            System.out.printf(Locale.ROOT, "  parallelism 8: %.3f s wall (target < 1.3 s: %s)%n", par, par < 1.3 ? "met" : "MISSED");
            System.out.printf(Locale.ROOT, "  parallelism 1: %.3f s wall (expected about 4 s)%n", seq);
            System.out.printf(Locale.ROOT, "  ratio: parallel run is %.1fx faster than sequential; "
                    + "overhead above the 0.5 s floor: %.0f ms%n", seq / par, (par - 0.5) * 1000);
        }
    }

    private static double timeRun(BrainTrust bt, Workflow w) {
        long t0 = System.nanoTime();
        RunRecord run = bt.runs().run(w, "bench", null);
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (run.status() != RunStatus.SUCCEEDED) {
            throw new IllegalStateException("bench run failed: " + run.error());
        }
        return seconds;
    }

    // ---- 2. overhead per agent -------------------------------------------------------------

    private static void overhead(Path dir) throws Exception {
        Path home = TestHome.create(dir);
        TestHome.noSkills(home);
        int n = 200;
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add("n" + i);
        }
        List<String> chainEdges = new ArrayList<>();
        for (int i = 1; i < n; i++) {
            chainEdges.add("n" + (i - 1) + ">n" + i);
        }
        Workflow chain = graph("Chain of " + n, ids, chainEdges.toArray(String[]::new));
        Workflow wide = graph("Fan-out of " + n, ids);

        Config config = TestHome.config(home, null, Map.of("OPENAI_API_KEY", "sk-bench", "BRAIN_TRUST_MAX_PARALLEL", "4"));
        ModelGateway instant = (route, request) -> ChatResponse.builder()
                .aiMessage(AiMessage.from("ok")).tokenUsage(new TokenUsage(1, 1)).build();
        System.out.printf(Locale.ROOT, "orchestration overhead per agent, instant model (median of 5 runs of %d agents; "
                + "includes prompt composition, task assembly, SQLite step writes, events, journal):%n", n);
        try (InProcess bench = service(config, home, instant)) {
            RunService runs = bench.runs();
            for (int i = 0; i < 3; i++) {
                runs.run(chain, "bench", null); // JIT warm-up
            }
            report("in-process model (the seam), chain", perAgent(runs, chain, n));
            report("in-process model (the seam), fan-out, parallelism 4", perAgent(runs, wide, n));
        }
        try (LlmStandIn llm = new LlmStandIn()) {
            llm.script(call -> LlmStandIn.Reply.text("ok"));
            try (BrainTrust bt = TestHome.open(home, llm, Map.of("BRAIN_TRUST_MAX_PARALLEL", "4"))) {
                for (int i = 0; i < 2; i++) {
                    bt.runs().run(chain, "bench", null);
                }
                System.out.printf(Locale.ROOT, "  %-55s %.3f ms/agent (for reference: includes a real HTTP call per agent, "
                        + "so it is not the overhead figure)%n", "HTTP stand-in (real OpenAI client, loopback), chain",
                        perAgent(bt.runs(), chain, n));
            }
        }
    }

    /** A RunService over an in-process model, and the store it writes to. */
    private record InProcess(RunService runs, RunStore store) implements AutoCloseable {
        @Override
        public void close() {
            runs.close();
            store.close();
        }
    }

    private static InProcess service(Config config, Path home, ModelGateway gateway) {
        PaiHome pai = new PaiHome(home);
        Clock clock = Clock.systemUTC();
        ContextService context = new ContextService(new FolderContextSource(pai.context(), clock), config.contextTtl());
        SkillRegistry skills = new SkillRegistry(pai::skills, config.contextTtl());
        SkillRunner runner = new SkillRunner(config.skillTimeout(), config.skillOutputCap());
        RunStore store = RunStore.open(config, pai.state(), clock);
        return new InProcess(new RunService(config, context, skills, runner, new WorkflowLibrary(pai::workflows), store,
                new Journal(pai.logs(), clock), gateway, clock), store);
    }

    private static double perAgent(RunService runs, Workflow w, int n) {
        double[] ms = new double[5];
        for (int i = 0; i < ms.length; i++) {
            long t0 = System.nanoTime();
            RunRecord run = runs.run(w, "bench", null);
            ms[i] = (System.nanoTime() - t0) / 1e6 / n;
            if (run.status() != RunStatus.SUCCEEDED) {
                throw new IllegalStateException(run.error());
            }
        }
        return median(ms);
    }

    private static void report(String what, double msPerAgent) {
        System.out.printf(Locale.ROOT, "  %-55s %.3f ms/agent (target < 2 ms: %s, %.1fx under)%n", what, msPerAgent,
                msPerAgent < 2 ? "met" : "MISSED", 2 / msPerAgent);
    }

    // ---- 3. run history --------------------------------------------------------------------

    private static void history(Path dir, boolean postgres) throws Exception {
        Files.createDirectories(dir);
        Map<String, String> env = new HashMap<>(Map.of("HOME", dir.toString(), "PAI_HOME", dir.toString()));
        String label = "SQLite";
        if (postgres) {
            TestPostgres.Database db = TestPostgres.freshDatabase();
            env.put("BRAIN_TRUST_DB_URL", db.url());
            if (db.user() != null) {
                env.put("BRAIN_TRUST_DB_USER", db.user());
            }
            if (db.password() != null) {
                env.put("BRAIN_TRUST_DB_PASSWORD", db.password());
            }
            label = "PostgreSQL";
        }
        Config config = Config.fromEnv(env);
        String prompt = "# USER CONTEXT (TELOS LAYER)\n" + "Mission text. ".repeat(300);
        String output = "An essay paragraph. ".repeat(150);
        try (RunStore store = RunStore.open(config, dir.resolve("state"), Clock.systemUTC())) {
            Instant base = Instant.parse("2026-01-01T00:00:00Z");
            long t0 = System.nanoTime();
            for (int i = 0; i < 1000; i++) {
                String id = String.format(Locale.ROOT, "run-%04d", i);
                Instant start = base.plusSeconds(i * 60L);
                List<StepRecord> steps = new ArrayList<>();
                for (int s = 0; s < 3; s++) {
                    steps.add(new StepRecord("n" + s, s, "Agent " + s, "gpt-4o-mini", StepStatus.SUCCEEDED, "rev", prompt,
                            "task " + s, output, List.of(new ToolCallRecord("calculator", "{\"expression\":\"1+1\"}", "2", 5, "ok")),
                            100, 50, 150, 1, start, start.plusSeconds(1), 1000L, null));
                }
                store.insert(new RunRecord(id, "Bench", RunStatus.RUNNING, "bench", "rev", 3, start, null, null, null, null, steps), "{}");
                store.finish(new RunRecord(id, "Bench", RunStatus.SUCCEEDED, "bench", "rev", 3, start, start.plusSeconds(3),
                        3000L, output, null, List.of()));
            }
            double fillSeconds = (System.nanoTime() - t0) / 1e9;
            for (int i = 0; i < 30; i++) {
                store.list(50, 0);
                store.find("run-0500");
            }
            double page = medianMs(() -> store.list(50, 0));
            double all = medianMs(() -> store.list(1000, 0));
            double one = medianMs(() -> store.find("run-0" + (int) (Math.random() * 900 + 100)).orElseThrow());
            System.out.printf(Locale.ROOT, "run history on %s, 1,000 stored runs of 3 steps (~5 KB prompt, ~3 KB output each; "
                    + "stored in %.1f s), median of 50:%n", label, fillSeconds);
            System.out.printf(Locale.ROOT, "  list newest 50:         %.2f ms (target < 20 ms: %s, %.0fx under)%n", page, ok(page), 20 / page);
            System.out.printf(Locale.ROOT, "  list all 1,000:         %.2f ms (target < 20 ms: %s, %.0fx under)%n", all, ok(all), 20 / all);
            System.out.printf(Locale.ROOT, "  fetch one with steps:   %.2f ms (target < 20 ms: %s, %.0fx under)%n", one, ok(one), 20 / one);
        }
    }

    private static String ok(double ms) {
        return ms < 20 ? "met" : "MISSED";
    }

    private static double medianMs(Runnable action) {
        double[] ms = new double[50];
        for (int i = 0; i < ms.length; i++) {
            long t0 = System.nanoTime();
            action.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        return median(ms);
    }

    // ---- helpers ---------------------------------------------------------------------------

    private static Workflow graph(String name, List<String> ids, String... edges) {
        List<AgentNode> agents = ids.stream().map(id -> new AgentNode(id, "Agent " + id, "Role", "do " + id,
                "You are agent " + id + ".", null, "gpt-4o-mini")).toList();
        List<WorkflowEdge> list = Arrays.stream(edges).map(e -> e.split(">")).map(p -> new WorkflowEdge(p[0], p[1])).toList();
        return new Workflow(name, agents, list, Map.of());
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
