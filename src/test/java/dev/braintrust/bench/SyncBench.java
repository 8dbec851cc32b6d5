package dev.braintrust.bench;

import dev.braintrust.Config;
import dev.braintrust.Secret;
import dev.braintrust.journal.Journal;
import dev.braintrust.sync.GitMirror;
import dev.braintrust.sync.GitRemote;
import dev.braintrust.sync.SyncResult;
import dev.braintrust.sync.SyncService;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.TreeFormatter;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Sync figures for issue 4 (run by bench/sync.sh, not a unit test).
 * <ul>
 *   <li>{@code nochange <dir>}: builds a bare repository of 5,000 commits and 2,000 files at {@code dir/big.git}
 *       (JGit, in-process), clones it into {@code dir/home}, and times syncs that find nothing new.</li>
 *   <li>{@code webhook <dir> <pushes>}: starts our server ({@code brain-trust serve}: through the launcher named by
 *       the system property {@code bench.launcher}, so with the product's JVM options and class-data archive; else
 *       a plain child JVM on the test classpath) in cloud mode on a bare repository, then for each push: commit and
 *       push, deliver a signed GitHub webhook, and poll {@code GET /api/v1/context} until it shows the pushed
 *       revision. Each push is made by git itself, and the remote is not repacked in between, as in the anchor
 *       ({@code bench.push-with=jgit} pushes with JGit instead, whose receive-pack keeps a pack per push, and
 *       {@code bench.repack-every=10} runs JGit's gc on the remote before every tenth push: the harder workload
 *       these figures had until 2026-12-01's third session). The first push comes as soon as {@code /ready}
 *       answers (the server's own warm-up still running) and is counted, and reported on its own too;
 *       {@code bench.warmup} pushes (default 0) would be left out of the figures; {@code bench.steady} pushes
 *       (default 30) after the counted ones give the steady state.</li>
 *   <li>{@code webhook-late <dir> <pushes>}: the same, with {@code bench.pause-after-ready-ms} (default 5,000) between
 *       {@code /ready} and the first push, so that the server's warm-up has run: a server restarted at night meets its
 *       first push minutes later. No steady-state pushes.</li>
 *   <li>{@code poll <dir> <pushes>}: the same with the webhook off and {@code BRAIN_TRUST_SYNC_INTERVAL=1s}: the time
 *       from the push until {@code GET /api/v1/context} shows it.</li>
 * </ul>
 * Prints {@code key=value} lines; the script adds the anchors measured in the same run.
 */
public final class SyncBench {
    /** One mapper for the bench's whole run: {@code Json.mapper()} builds a new one on every call, which is not the server's time. */
    static final com.fasterxml.jackson.databind.ObjectMapper JSON = dev.braintrust.Json.mapper();
    static final int COMMITS = 5000;
    static final int FILES = 2000;
    static final String APACHE_USER = "x-access-token";
    static final String APACHE_TOKEN = "bench-token-4f1e9c";

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[1]);
        switch (args[0]) {
            case "nochange" -> noChange(dir);
            case "webhook" -> pushToLive(dir, Integer.parseInt(args[2]), true, null);
            case "webhook-late" -> {
                System.setProperty("bench.pause-after-ready-ms", System.getProperty("bench.pause-after-ready-ms", "5000"));
                System.setProperty("bench.steady", "0");
                pushToLive(dir, Integer.parseInt(args[2]), true, null, "_after_warm_up");
            }
            case "poll" -> pushToLive(dir, Integer.parseInt(args[2]), false, null);
            case "webhook-apache" -> {
                try (dev.braintrust.testing.ApacheGitServer apache = dev.braintrust.testing.ApacheGitServer.start(APACHE_USER, APACHE_TOKEN)) {
                    pushToLive(dir, Integer.parseInt(args[2]), true, apache);
                }
            }
            case "requests-apache" -> requestsPerSync(dir, Integer.parseInt(args[2]));
            default -> throw new IllegalArgumentException("unknown bench " + args[0]);
        }
    }

    static void noChange(Path dir) throws Exception {
        Path bare = dir.resolve("big.git");
        if (!java.nio.file.Files.isDirectory(bare)) {
            long t0 = System.nanoTime();
            buildBigRepository(bare, COMMITS, FILES);
            System.out.printf("built %d commits x %d files in %d ms%n", COMMITS, FILES, (System.nanoTime() - t0) / 1_000_000);
        }
        Path home = dir.resolve("home");
        Config config = Config.fromEnv(Map.of("HOME", dir.toString(), "PAI_HOME", home.toString(),
                "BRAIN_TRUST_GIT_URL", bare.toString()));
        try (GitMirror mirror = GitMirror.open(home, GitRemote.of(config))) {
            long c0 = System.nanoTime();
            SyncResult clone = mirror.sync("bench");
            System.out.printf("first clone: %d ms (%d paths)%n", (System.nanoTime() - c0) / 1_000_000, clone.changedCount());
            for (int i = 0; i < 50; i++) {
                mirror.sync("warm-up");
            }
            double[] mirrorMs = time(200, () -> mirror.sync("bench"));
            try (SyncService service = new SyncService(mirror, new Journal(home.resolve("logs"), Clock.systemUTC()),
                    () -> { }, Duration.ZERO, Secret.ofNullable("x"), Clock.systemUTC())) {
                for (int i = 0; i < 50; i++) {
                    service.syncNow("warm-up");
                }
                double[] serviceMs = time(200, () -> service.syncNow("bench"));
                report("ours_nochange_mirror", mirrorMs);
                report("ours_nochange_service", serviceMs);
            }
        }
    }

    /** @param apache null for a bare repository on disk; else the remote is served by this Apache, with its token */
    static void pushToLive(Path dir, int pushes, boolean webhook, dev.braintrust.testing.ApacheGitServer apache) throws Exception {
        pushToLive(dir, pushes, webhook, apache, "");
    }

    static void pushToLive(Path dir, int pushes, boolean webhook, dev.braintrust.testing.ApacheGitServer apache, String suffix)
            throws Exception {
        String secret = "bench-secret";
        java.nio.file.Files.createDirectories(dir);
        Path remoteDir = apache == null ? dir : apache.repos().resolve("bench");
        try (dev.braintrust.testing.RemoteFixture remote = dev.braintrust.testing.RemoteFixture.create(remoteDir, "main")) {
            for (int i = 0; i < 4; i++) {
                remote.commit("init", "context/" + List.of("MISSION", "GOALS", "BELIEFS", "IDENTITY").get(i) + ".md",
                        "lorem ipsum ".repeat(250));
            }
            remote.push();
            int port;
            try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
                port = socket.getLocalPort();
            }
            Map<String, String> env = new java.util.HashMap<>(Map.of(
                    "PAI_HOME", dir.resolve("home").toString(), "HOME", dir.toString(),
                    "BRAIN_TRUST_GIT_URL", apache == null ? remote.url() : apache.url("bench/remote.git"),
                    "BRAIN_TRUST_PORT", String.valueOf(port), "BRAIN_TRUST_SYNC_INTERVAL", webhook ? "0" : "1s"));
            if (webhook) {
                env.put("WEBHOOK_SECRET", secret);
            }
            if (apache != null) {
                env.put("BRAIN_TRUST_GIT_TOKEN", APACHE_TOKEN);
            }
            Process server = serverProcess(env)
                    .redirectErrorStream(true).redirectOutput(dir.resolve("server.log").toFile()).start();
            try {
                // HTTP/1.1 as curl speaks it in the anchor (the JDK's default would offer an upgrade to h2c on each new connection)
                Client http = Client.of(System.getProperty("bench.client", "blocking"));
                String base = "http://127.0.0.1:" + port;
                dev.braintrust.testing.Poll.until(Duration.ofMinutes(2), "the server to be ready",
                        () -> status(http, base + "/ready") == 200);
                warmUpClient(http, base, secret);
                // 0 by default: the first push comes as soon as the server is ready, its warm-up still running
                Thread.sleep(Long.getLong("bench.pause-after-ready-ms", 0));
                int warmup = Integer.getInteger("bench.warmup", 0);
                int steady = Integer.getInteger("bench.steady", webhook ? 30 : 0);
                List<Push> all = new ArrayList<>();
                // The anchor's workload by default: each push by git itself (whose receive-pack keeps a small push as
                // loose objects; JGit's keeps a pack per push), the remote never repacked in between
                boolean pushWithJGit = "jgit".equals(System.getProperty("bench.push-with", "git"));
                int repackEvery = Integer.getInteger("bench.repack-every", 0);
                for (int i = 0; i < warmup + pushes + steady; i++) {
                    if (repackEvery > 0 && i % repackEvery == repackEvery - 1) {
                        packRemote(remote.bare);
                    }
                    remote.commit("r" + i, "context/GOALS.md", "goals, revision " + i + "\n" + "lorem ipsum ".repeat(250));
                    if (pushWithJGit) {
                        remote.push();
                    } else {
                        gitPush(remote);
                    }
                    String want = remote.head();
                    // signed before the clock starts, as the anchor does
                    String body = "{\"ref\":\"refs/heads/main\",\"after\":\"" + want + "\"}";
                    String signature = "sha256=" + java.util.HexFormat.of().formatHex(hmac(secret, body.getBytes(StandardCharsets.UTF_8)));
                    long t0 = System.nanoTime();
                    Map<String, Double> steps = new java.util.LinkedHashMap<>();
                    double webhookMs = 0;
                    String answered = null;
                    if (webhook) {
                        Client.Answer answer = http.post(base + "/api/v1/webhook/sync-context", body,
                                "Content-Type", "application/json", "X-GitHub-Event", "push",
                                "X-GitHub-Delivery", "bench-" + i, "X-Hub-Signature-256", signature);
                        webhookMs = (System.nanoTime() - t0) / 1e6;
                        if (answer.status() != 200) {
                            throw new IllegalStateException("webhook answered " + answer.status() + ": " + answer.body());
                        }
                        answered = answer.body(); // its steps are read once the clock stops: the anchor's curl reads nothing
                    }
                    int[] reads = {0};
                    double[] firstReadMs = {0};
                    dev.braintrust.testing.Poll.until(Duration.ofMinutes(1), "revision " + want, () -> {
                        long r0 = System.nanoTime();
                        boolean live = want.equals(revision(http, base + "/api/v1/context"));
                        if (reads[0]++ == 0) {
                            firstReadMs[0] = (System.nanoTime() - r0) / 1e6;
                        }
                        return live;
                    });
                    double totalMs = (System.nanoTime() - t0) / 1e6;
                    if (answered != null) {
                        JSON.readTree(answered).path("stepsMs").fields()
                                .forEachRemaining(e -> steps.put(e.getKey(), e.getValue().asDouble()));
                    }
                    long c0 = System.nanoTime();
                    revision(http, base + "/api/v1/context"); // a cached read, not counted in the push
                    all.add(new Push(want, totalMs, webhookMs, firstReadMs[0], reads[0], (System.nanoTime() - c0) / 1e6, steps));
                    if (Boolean.getBoolean("bench.print-pushes")) { // each push on standard error, for a closer look
                        System.err.printf("push %d at %tT.%<tL: %.1f ms (webhook %.1f, server %.1f, first read %.1f) %s%n", i,
                                System.currentTimeMillis(), totalMs, webhookMs,
                                steps.values().stream().mapToDouble(Double::doubleValue).sum(), firstReadMs[0], steps);
                    }
                }
                Thread.sleep(500); // the last push's work after its answer
                all = withStepsAfterTheAnswer(all, dir.resolve("server.log"));
                String name = (webhook ? "ours_webhook_push_to_live" : "ours_poll_1s_push_to_live") + (apache == null ? "" : "_apache")
                        + suffix;
                List<Push> counted = all.subList(warmup, warmup + pushes);
                List<Push> steadyState = all.subList(warmup + pushes, all.size());
                System.out.printf("%s_first_ms=%.2f (the first push after start%s)%n", name, all.get(0).totalMs(),
                        warmup == 0 ? ", counted below" : "; then " + (warmup - 1) + " warm-up pushes, not counted");
                report(name, counted.stream().mapToDouble(Push::totalMs).toArray());
                if (!steadyState.isEmpty()) {
                    report(name + "_steady", steadyState.stream().mapToDouble(Push::totalMs).toArray());
                }
                if (webhook) {
                    printSteps(all.get(0), counted, steadyState);
                }
            } finally {
                server.destroy(); // SIGTERM: the server stops cleanly
                server.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
            }
        }
    }

    /**
     * One push as the bench saw it: until {@code GET /api/v1/context} showed it, the webhook's round trip, the
     * first context read after the answer (which loads the new snapshot), how many reads it took, a cached read
     * afterwards, and the server's own steps from the webhook's answer.
     */
    record Push(String revision, double totalMs, double webhookMs, double firstReadMs, int reads, double cachedReadMs,
                Map<String, Double> steps) {
        /** The client's view beside the server's: the round trip less the server's steps is HTTP, JSON and Jetty. */
        Map<String, Double> rows() {
            Map<String, Double> rows = new java.util.LinkedHashMap<>();
            Map<String, Double> afterwards = new java.util.LinkedHashMap<>();
            steps.forEach((k, v) -> (k.startsWith("after the answer: ") ? afterwards : rows).put(k, v));
            double server = rows.values().stream().mapToDouble(Double::doubleValue).sum();
            rows.put("= server steps, total", server);
            rows.put("client: webhook round trip", webhookMs);
            rows.put("client: round trip less server steps", webhookMs - server);
            rows.put("client: first context read after the answer", firstReadMs);
            rows.put("client: a cached context read", cachedReadMs);
            rows.put("client: context reads until live", (double) reads);
            rows.put("= push to live", totalMs);
            rows.putAll(afterwards);
            return rows;
        }
    }

    private static final java.util.regex.Pattern AFTER_ANSWER =
            java.util.regex.Pattern.compile("after the answer to the sync to ([0-9a-f]{40}): \\{(.*)}");

    /**
     * The pushes with the steps the server ran after answering each (the working tree, the status file, the
     * journal...), which it logs when started with {@code -Dbrain-trust.sync.log-steps=true} (bench/sync.sh does);
     * they are not part of push-to-live, and are listed after it.
     */
    static List<Push> withStepsAfterTheAnswer(List<Push> pushes, Path serverLog) throws java.io.IOException {
        Map<String, Map<String, Double>> after = new java.util.HashMap<>();
        for (String line : java.nio.file.Files.readAllLines(serverLog, StandardCharsets.UTF_8)) {
            java.util.regex.Matcher m = AFTER_ANSWER.matcher(line);
            if (m.find()) {
                Map<String, Double> steps = new java.util.LinkedHashMap<>();
                for (String pair : m.group(2).split(", ")) {
                    int eq = pair.lastIndexOf('=');
                    if (eq > 0) {
                        steps.put("after the answer: " + pair.substring(0, eq), Double.parseDouble(pair.substring(eq + 1)));
                    }
                }
                after.computeIfAbsent(m.group(1), k -> new java.util.LinkedHashMap<>()).putAll(steps);
            }
        }
        List<Push> out = new ArrayList<>();
        for (Push p : pushes) {
            Map<String, Double> steps = new java.util.LinkedHashMap<>(p.steps());
            after.getOrDefault(p.revision(), Map.of()).forEach((k, v) -> steps.put(k, v));
            out.add(new Push(p.revision(), p.totalMs(), p.webhookMs(), p.firstReadMs(), p.reads(), p.cachedReadMs(), steps));
        }
        return out;
    }

    /** The per-step table: the first push after start, the counted pushes (p50, p95), the steady state (p50, p95). */
    static void printSteps(Push first, List<Push> counted, List<Push> steady) {
        java.util.Set<String> names = new java.util.LinkedHashSet<>();
        for (Push p : counted) {
            names.addAll(p.rows().keySet());
        }
        for (Push p : steady) {
            names.addAll(p.rows().keySet());
        }
        System.out.printf("step | %-48s | %8s | %8s | %8s | %8s | %8s%n", "ms per push", "first", "p50", "p95", "steady50",
                "steady95");
        for (String name : names) {
            double[] c = counted.stream().mapToDouble(p -> p.rows().getOrDefault(name, 0.0)).sorted().toArray();
            double[] s = steady.stream().mapToDouble(p -> p.rows().getOrDefault(name, 0.0)).sorted().toArray();
            System.out.printf("step | %-48s | %8.3f | %8.3f | %8.3f | %8s | %8s%n", name, first.rows().getOrDefault(name, 0.0),
                    pct(c, 50), pct(c, 95), s.length == 0 ? "-" : String.format("%.3f", pct(s, 50)),
                    s.length == 0 ? "-" : String.format("%.3f", pct(s, 95)));
        }
    }

    /**
     * Requests and time per sync against Apache's git-http-backend with basic auth, ours (the token with
     * the first request) beside JGit's default (each connection asks without it first, gets 401, asks
     * again), on the same repository in the same run: a sync that finds nothing new, and one that fetches
     * a new commit. Request counts come from Apache's access log.
     */
    static void requestsPerSync(Path dir, int rounds) throws Exception {
        java.nio.file.Files.createDirectories(dir);
        try (dev.braintrust.testing.ApacheGitServer apache = dev.braintrust.testing.ApacheGitServer.start(APACHE_USER, APACHE_TOKEN);
             dev.braintrust.testing.RemoteFixture remote = dev.braintrust.testing.RemoteFixture.create(apache.repos().resolve("req"), "main")) {
            remote.commitAndPush("init", "context/MISSION.md", "m", "context/GOALS.md", "g", "context/BELIEFS.md", "b");
            String url = apache.url("req/remote.git");
            Path home = dir.resolve("home");
            Config config = Config.fromEnv(Map.of("HOME", dir.toString(), "PAI_HOME", home.toString(),
                    "BRAIN_TRUST_GIT_URL", url, "BRAIN_TRUST_GIT_TOKEN", APACHE_TOKEN));
            Path plain = dir.resolve("jgit-default");
            org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider token =
                    new org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider(APACHE_USER, APACHE_TOKEN);
            try (GitMirror mirror = GitMirror.open(home, GitRemote.of(config));
                 Git jgit = Git.cloneRepository().setURI(url).setDirectory(plain.toFile()).setBare(true)
                         .setCredentialsProvider(token).call()) {
                mirror.sync("bench");
                Action ours = () -> mirror.sync("bench");
                Action theirs = () -> jgit.fetch().setRemote("origin").setCredentialsProvider(token)
                        .setRefSpecs("+refs/heads/main:refs/heads/main").call();
                for (int i = 0; i < 20; i++) {
                    ours.run();
                    theirs.run();
                }
                System.out.println("(ours: the whole sync, the new commit's checkout and working tree included; "
                        + "jgit_default: a fetch alone)");
                for (String kind : List.of("nothing_new", "new_commit")) {
                    for (var side : List.of(Map.entry("ours", ours), Map.entry("jgit_default", theirs))) {
                        double[] ms = new double[rounds];
                        int before = apache.settledRequests().size(); // counted over the whole phase: Apache logs a request after answering it
                        for (int i = 0; i < rounds; i++) {
                            if (kind.equals("new_commit")) {
                                remote.commitAndPush("r" + i, "context/GOALS.md", side.getKey() + " " + i);
                            }
                            long t0 = System.nanoTime();
                            side.getValue().run();
                            ms[i] = (System.nanoTime() - t0) / 1e6;
                        }
                        List<String> lines = apache.settledRequests();
                        long requests = lines.size() - before;
                        long unauthorised = lines.subList(before, lines.size()).stream().filter(l -> l.contains(" 401 ")).count();
                        System.out.printf("%s_%s_requests_per_sync=%.2f (of which 401: %.2f)%n", side.getKey(), kind,
                                requests / (double) rounds, unauthorised / (double) rounds);
                        report(side.getKey() + "_" + kind + "_sync", ms);
                    }
                }
            }
        }
    }

    /** Pushes the branch with git itself, as the anchor's client does. */
    static void gitPush(dev.braintrust.testing.RemoteFixture remote) throws Exception {
        Process git = new ProcessBuilder("git", "-C", remote.work.toString(), "push", "-q", remote.bare.toString(),
                "refs/heads/" + remote.branch + ":refs/heads/" + remote.branch).redirectErrorStream(true).start();
        String out = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (git.waitFor() != 0) {
            throw new IllegalStateException("git push failed: " + out);
        }
    }

    /**
     * JGit's receiving side keeps every push as a pack of its own, where git and a git host unpack small
     * pushes into loose objects and pack them in the background: with {@code bench.push-with=jgit}, an
     * untended remote would hold a hundred packs, and every fetch from it would search them all.
     */
    static void packRemote(Path bare) throws Exception {
        try (Git git = Git.open(bare.toFile())) {
            git.getRepository().getConfig().setString("gc", null, "prunePackExpire", "now");
            git.gc().call();
        }
    }

    static ProcessBuilder serverProcess(Map<String, String> env) {
        String launcher = System.getProperty("bench.launcher");
        if (launcher == null) {
            return dev.braintrust.testing.ChildJvm.builder(dev.braintrust.cli.Main.class, env, "serve");
        }
        ProcessBuilder pb = new ProcessBuilder(launcher, "serve");
        pb.environment().putAll(env);
        return pb;
    }

    /**
     * Warms the bench's own side (HTTP client, its POST with a body, HMAC, JSON parsing), so that the first push
     * measures the server's first push and not this JVM's first request; the server sees only {@code GET /health}
     * and a POST to a path it does not serve (404), neither on the sync path.
     */
    static void warmUpClient(Client http, String base, String secret) throws Exception {
        for (int i = 0; i < 20; i++) {
            status(http, base + "/health");
            http.post(base + "/bench-client-warm-up", "{\"warm-up\":" + i + "}", "Content-Type", "application/json");
            hmac(secret, ("warm-up " + i).getBytes(StandardCharsets.UTF_8));
            JSON.readTree("{\"revision\":\"" + i + "\",\"stepsMs\":{\"a\":1.5}}")
                    .path("stepsMs").fields().forEachRemaining(e -> e.getValue().asDouble());
        }
    }

    static int status(Client http, String url) {
        try {
            return http.get(url).status();
        } catch (Exception e) {
            return -1;
        }
    }

    /**
     * The {@code revision} field of the JSON at {@code url}, read as it streams by (the answer starts with it), not by
     * building the whole context as a tree: the client's work in the timed window stays what the anchor's
     * {@code git rev-parse HEAD} is, a look at the revision.
     */
    static String revision(Client http, String url) {
        try (com.fasterxml.jackson.core.JsonParser json = JSON.getFactory().createParser(http.get(url).body())) {
            if (json.nextToken() != com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
                return null;
            }
            while (json.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
                String name = json.currentName();
                json.nextToken();
                if (name.equals("revision")) {
                    return json.getValueAsString();
                }
                json.skipChildren();
            }
            return null;
        } catch (Exception e) {
            return null;
        }
    }

    static byte[] hmac(String secret, byte[] body) {
        return dev.braintrust.Secret.ofNullable(secret).newHmacSha256().doFinal(body);
    }

    interface Action {
        void run() throws Exception;
    }

    static double[] time(int n, Action action) throws Exception {
        double[] ms = new double[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            action.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        return ms;
    }

    static void report(String name, double[] ms) {
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        System.out.printf("%s_ms p50=%.2f p95=%.2f max=%.2f (n=%d)%n", name, pct(sorted, 50), pct(sorted, 95),
                sorted[sorted.length - 1], sorted.length);
        System.out.printf("%s_p50_ms=%.3f%n%s_p95_ms=%.3f%n", name, pct(sorted, 50), name, pct(sorted, 95));
    }

    /**
     * The p-th percentile of sorted values as the anchors compute theirs ({@code a[int(NR*0.95)]} in awk, 1-based:
     * the nearest rank, rounded down; of 30 pushes, p95 is the 28th), so that a ratio to an anchor compares the
     * same statistic. It used to round up (the 29th of 30), one rank above the anchor's.
     */
    static double pct(double[] sorted, int p) {
        int rank = (int) (sorted.length * (p / 100.0));
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /**
     * A bare repository whose branch {@code main} has {@code commits} commits; the tree has {@code files} files
     * (context/, skills/, workflows/ and data/dNN/), and each commit changes one file.
     */
    static void buildBigRepository(Path bare, int commits, int files) throws Exception {
        Git.init().setBare(true).setDirectory(bare.toFile()).setInitialBranch("main").call().close();
        try (Repository repo = new FileRepositoryBuilder().setGitDir(bare.toFile()).build();
             ObjectInserter inserter = repo.newObjectInserter()) {
            List<String> paths = new ArrayList<>();
            for (String name : List.of("MISSION", "GOALS", "BELIEFS", "IDENTITY")) {
                paths.add("context/" + name + ".md");
            }
            for (int i = 0; paths.size() < 20; i++) {
                paths.add("context/NOTE_" + i + ".md");
            }
            for (int i = 0; i < 10; i++) {
                paths.add("skills/skill_" + i + ".sh");
            }
            for (int i = 0; i < 5; i++) {
                paths.add("workflows/flow_" + i + ".json");
            }
            for (int i = 0; paths.size() < files; i++) {
                paths.add(String.format("data/d%02d/file_%04d.txt", i % 40, i));
            }
            Tree root = new Tree();
            for (int i = 0; i < paths.size(); i++) {
                root.put(paths.get(i), inserter.insert(Constants.OBJ_BLOB, content(paths.get(i), 0)),
                        paths.get(i).startsWith("skills/") ? FileMode.EXECUTABLE_FILE : FileMode.REGULAR_FILE);
            }
            ObjectId parent = null;
            Instant when = Instant.parse("2025-01-01T00:00:00Z");
            for (int c = 0; c < commits; c++) {
                if (c > 0) {
                    String path = paths.get(c % paths.size());
                    root.put(path, inserter.insert(Constants.OBJ_BLOB, content(path, c)),
                            path.startsWith("skills/") ? FileMode.EXECUTABLE_FILE : FileMode.REGULAR_FILE);
                }
                CommitBuilder commit = new CommitBuilder();
                commit.setTreeId(root.write(inserter));
                PersonIdent who = new PersonIdent("Bench", "bench@example.org", when.plusSeconds(c), ZoneOffset.UTC);
                commit.setAuthor(who);
                commit.setCommitter(who);
                commit.setMessage("commit " + c + "\n");
                if (parent != null) {
                    commit.setParentId(parent);
                }
                parent = inserter.insert(commit);
            }
            inserter.flush();
            RefUpdate update = repo.updateRef("refs/heads/main");
            update.setNewObjectId(parent);
            update.forceUpdate();
            Git.wrap(repo).gc().call();
        }
    }

    static byte[] content(String path, int version) {
        return ("# " + path + "\nversion " + version + "\n" + "lorem ipsum dolor sit amet ".repeat(20) + "\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** A directory of the tree being built; only the directories on a changed path are written again. */
    static final class Tree {
        private final TreeMap<String, Object> entries = new TreeMap<>(); // name -> Tree or Blob
        private ObjectId written;

        record Blob(ObjectId id, FileMode mode) {
        }

        void put(String path, ObjectId blob, FileMode mode) {
            written = null;
            int slash = path.indexOf('/');
            if (slash < 0) {
                entries.put(path, new Blob(blob, mode));
                return;
            }
            Tree sub = (Tree) entries.computeIfAbsent(path.substring(0, slash), k -> new Tree());
            sub.put(path.substring(slash + 1), blob, mode);
        }

        ObjectId write(ObjectInserter inserter) throws Exception {
            if (written != null) {
                return written;
            }
            TreeFormatter formatter = new TreeFormatter();
            // git orders tree entries as if directory names ended with '/'
            List<String> names = new ArrayList<>(entries.keySet());
            names.sort((a, b) -> (entries.get(a) instanceof Tree ? a + "/" : a).compareTo(entries.get(b) instanceof Tree ? b + "/" : b));
            for (String name : names) {
                Object entry = entries.get(name);
                if (entry instanceof Tree sub) {
                    formatter.append(name, FileMode.TREE, sub.write(inserter));
                } else {
                    Blob blob = (Blob) entry;
                    formatter.append(name, blob.mode(), blob.id());
                }
            }
            written = inserter.insert(formatter);
            return written;
        }
    }

    /**
     * The bench's HTTP/1.1 client, keeping its connection open between requests: {@code blocking} (the default) is
     * the JDK's {@link java.net.HttpURLConnection}, which answers on the calling thread as curl does in the anchor;
     * {@code jdk} is {@link java.net.http.HttpClient}, whose hand-offs between its own threads add a few
     * milliseconds per request on a 2-core machine (-Dbench.client=jdk measures with it).
     */
    abstract static class Client {
        record Answer(int status, String body) {
        }

        abstract Answer get(String url) throws Exception;

        /** @param headers names and values, alternating */
        abstract Answer post(String url, String body, String... headers) throws Exception;

        static Client of(String kind) {
            return switch (kind) {
                case "blocking" -> new Blocking();
                case "jdk" -> new Jdk();
                default -> throw new IllegalArgumentException("bench.client is blocking or jdk, not " + kind);
            };
        }

        static final class Blocking extends Client {
            @Override
            Answer get(String url) throws Exception {
                return answer((java.net.HttpURLConnection) java.net.URI.create(url).toURL().openConnection());
            }

            @Override
            Answer post(String url, String body, String... headers) throws Exception {
                java.net.HttpURLConnection c = (java.net.HttpURLConnection) java.net.URI.create(url).toURL().openConnection();
                byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
                c.setRequestMethod("POST");
                c.setDoOutput(true);
                c.setFixedLengthStreamingMode(bytes.length);
                for (int i = 0; i + 1 < headers.length; i += 2) {
                    c.setRequestProperty(headers[i], headers[i + 1]);
                }
                try (java.io.OutputStream out = c.getOutputStream()) {
                    out.write(bytes);
                }
                return answer(c);
            }

            private static Answer answer(java.net.HttpURLConnection c) throws java.io.IOException {
                int status = c.getResponseCode();
                try (java.io.InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
                    return new Answer(status, in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8));
                }
            }
        }

        static final class Jdk extends Client {
            private final java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
                    .version(java.net.http.HttpClient.Version.HTTP_1_1).build();

            @Override
            Answer get(String url) throws Exception {
                var r = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                return new Answer(r.statusCode(), r.body());
            }

            @Override
            Answer post(String url, String body, String... headers) throws Exception {
                var b = java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body));
                for (int i = 0; i + 1 < headers.length; i += 2) {
                    b.header(headers[i], headers[i + 1]);
                }
                var r = http.send(b.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
                return new Answer(r.statusCode(), r.body());
            }
        }
    }
}
