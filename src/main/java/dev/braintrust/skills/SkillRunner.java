package dev.braintrust.skills;

import dev.braintrust.BrainTrustException;
import dev.braintrust.Environment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

/**
 * Runs skill scripts as child processes: arguments as argv in the order of the script's
 * {@code PARAM} headers (never through a shell), standard input closed, standard output capped,
 * in a {@link SkillSandbox} whose processes are all killed when the run ends (after a timeout or
 * not), and with an environment built from an allowlist: {@link #PASSED}, {@code PAI_HOME}, and
 * the variables the skill's header declares ({@code # ENV:}), nothing else.
 */
public final class SkillRunner implements AutoCloseable {
    static final int STDERR_TAIL_BYTES = 4096;
    public static final String OK = "ok";
    public static final String FAILED = "failed";
    public static final String TIMEOUT = "timeout";
    public static final String NOT_STARTED = "not_started";
    /** Every outcome {@link #runCount(String)} knows. */
    public static final List<String> OUTCOMES = List.of(OK, FAILED, TIMEOUT, NOT_STARTED);
    /** The variables every skill receives from the server's environment when they are set (and every {@code LC_*}). */
    public static final List<String> PASSED = List.of("PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE",
            "TZ", "TMPDIR", "TERM");
    /** How long the output of a script that ended is still read, for what its last processes wrote before they were killed. */
    private static final Duration DRAIN = Duration.ofSeconds(1);
    private static final File DEV_NULL = new File("/dev/null");
    private static final Logger log = LoggerFactory.getLogger(SkillRunner.class);
    private static final Map<String, SkillSandbox> SANDBOXES = new java.util.concurrent.ConcurrentHashMap<>();

    private final Duration timeout;
    private final int outputCap;
    private final Environment environment;
    private final String isolation;
    private final Map<String, LongAdder> runs = OUTCOMES.stream()
            .collect(Collectors.toUnmodifiableMap(o -> o, o -> new LongAdder()));
    private final ExecutorService readers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "skill-output");
        t.setDaemon(true);
        return t;
    });

    /** A runner over this process's environment, isolating skills as well as the system allows. */
    public SkillRunner(Duration timeout, int outputCap) {
        this(timeout, outputCap, Environment.of(Environment.ofProcess()), "auto");
    }

    /**
     * @param environment where the variables a skill declares come from
     * @param isolation   auto, namespace or session (see {@link SkillSandbox}); a system that cannot honour
     *                    "namespace" fails the first run with a {@link BrainTrustException.BadConfig}
     */
    public SkillRunner(Duration timeout, int outputCap, Environment environment, String isolation) {
        this.timeout = timeout;
        this.outputCap = outputCap;
        this.environment = environment;
        this.isolation = isolation;
    }

    /**
     * Checks the arguments against the skill's parameters and runs it.
     *
     * @throws BrainTrustException.BadInput for unknown or missing arguments, or a value of the wrong type
     * @throws BrainTrustException.Unavailable when the script cannot be started
     */
    public SkillResult run(Skill skill, Map<String, String> args) {
        List<String> argv = argv(skill, args);
        SkillSandbox sandbox = sandbox();
        String runId = UUID.randomUUID().toString();
        Path workDir = homeOf(skill.script());
        ProcessBuilder pb = new ProcessBuilder(sandbox.command(argv))
                .directory(workDir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(DEV_NULL));
        pb.environment().clear();
        pb.environment().putAll(environmentFor(skill, workDir));
        pb.environment().put(SkillSandbox.MARKER, runId);
        long start = System.nanoTime();
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            runs.get(NOT_STARTED).increment();
            throw new BrainTrustException.Unavailable("skill '" + skill.name() + "' could not be started ("
                    + e.getMessage() + "); check its first line (#!) names an interpreter that is installed", e);
        }
        Capture stdout = new Capture(outputCap, false);
        Capture stderr = new Capture(STDERR_TAIL_BYTES, true);
        Future<?> outReader = readers.submit(() -> stdout.readAll(process.getInputStream()));
        Future<?> errReader = readers.submit(() -> stderr.readAll(process.getErrorStream()));
        boolean timedOut;
        try {
            timedOut = !process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            sandbox.endRun(process, runId);
            Thread.currentThread().interrupt();
            throw new BrainTrustException.Unavailable("skill '" + skill.name() + "' was interrupted");
        }
        int exitCode = timedOut ? -1 : process.exitValue();
        sandbox.endRun(process, runId); // after every run, not only on timeout: nothing it started outlives it
        awaitEnd(outReader, errReader);
        String notStarted = timedOut ? null : sandbox.startFailure(exitCode, stderr.text());
        if (notStarted != null) {
            runs.get(NOT_STARTED).increment();
            throw new BrainTrustException.Unavailable("skill '" + skill.name() + "' could not be started (" + notStarted
                    + "); check its first line (#!) names an interpreter that is installed");
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        SkillResult result = new SkillResult(skill.name(), timedOut ? -1 : exitCode, stdout.text(), stdout.truncated(),
                stderr.text(), timedOut, took);
        runs.get(result.outcome()).increment();
        return result;
    }

    private SkillSandbox sandbox() {
        return SANDBOXES.computeIfAbsent(isolation, SkillSandbox::choose);
    }

    /** How skills are isolated here: "namespace" or "session" (probes the system on first use). */
    public String isolationMode() {
        return sandbox().mode().name().toLowerCase(Locale.ROOT);
    }

    /**
     * The variables a skill receives: those of {@link #PASSED} and {@code LC_*} that the server has,
     * {@code PAI_HOME} (the folder it runs in), and each variable its header declares, from the
     * server's environment or the file its {@code _FILE} variable names.
     */
    Map<String, String> environmentFor(Skill skill, Path workDir) {
        Map<String, String> env = new java.util.HashMap<>();
        for (String name : PASSED) {
            String value = environment.get(name);
            if (value != null) {
                env.put(name, value);
            }
        }
        if (!env.containsKey("PATH")) {
            env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        }
        environment.names().stream().filter(n -> n.startsWith("LC_")).forEach(n -> env.put(n, environment.get(n)));
        env.put("PAI_HOME", workDir.toString());
        for (String name : skill.env()) {
            environment.valueOrFile(name).ifPresent(value -> env.put(name, value));
        }
        return env;
    }

    /** For each variable the skill declares: whether the server has a value to give it (never the value). */
    public List<SkillVariable> variablesOf(Skill skill) {
        return skill.env().stream().map(n -> new SkillVariable(n, environment.valueOrFile(n).isPresent())).toList();
    }

    /** Waits a moment for the output of a script that ended; what a process that escaped still holds is not waited for. */
    private static void awaitEnd(Future<?>... readers) {
        long deadline = System.nanoTime() + DRAIN.toNanos();
        for (Future<?> reader : readers) {
            try {
                reader.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                log.warn("a process started by a skill still holds its output open after the run ended; "
                        + "the output read so far is kept");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (java.util.concurrent.ExecutionException e) {
                // a read error: what was read before it is kept
            }
        }
    }

    /** How many runs ended with this outcome (one of {@link #OUTCOMES}) since start; 0 for an unknown outcome. */
    public long runCount(String outcome) {
        LongAdder count = runs.get(outcome);
        return count == null ? 0 : count.sum();
    }

    /** Scripts run in the home (or checkout) that holds their {@code skills/} folder. */
    private static Path homeOf(Path script) {
        Path skillsDir = script.toAbsolutePath().getParent();
        return skillsDir.getParent() != null ? skillsDir.getParent() : skillsDir;
    }

    static List<String> argv(Skill skill, Map<String, String> args) {
        Set<String> unknown = args.keySet().stream().filter(k -> skill.param(k).isEmpty())
                .collect(Collectors.toCollection(java.util.TreeSet::new));
        if (!unknown.isEmpty()) {
            throw new BrainTrustException.BadInput("skill '" + skill.name() + "' has no parameter " + String.join(", ", unknown)
                    + "; its parameters are: " + describe(skill));
        }
        List<String> argv = new ArrayList<>();
        argv.add(skill.script().toString());
        List<String> values = new ArrayList<>();
        int lastGiven = 0;
        for (SkillParam param : skill.params()) {
            String value = args.get(param.name());
            if (value == null && param.required()) {
                throw new BrainTrustException.BadInput("skill '" + skill.name() + "' needs the parameter '" + param.name()
                        + "' (" + param.description() + "); its parameters are: " + describe(skill));
            }
            if (value != null) {
                checkType(skill, param, value);
                lastGiven = values.size() + 1;
            }
            values.add(value == null ? "" : value);
        }
        argv.addAll(values.subList(0, lastGiven));
        return argv;
    }

    private static void checkType(Skill skill, SkillParam param, String value) {
        if (value.indexOf('\0') >= 0) {
            throw new BrainTrustException.BadInput("parameter '" + param.name() + "' contains a NUL character");
        }
        boolean valid = switch (param.type().toLowerCase(Locale.ROOT)) {
            case "int", "integer" -> value.strip().matches("[-+]?\\d{1,18}");
            case "float", "number" -> value.strip().matches("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?");
            case "bool", "boolean" -> value.strip().matches("(?i)true|false");
            default -> true;
        };
        if (!valid) {
            throw new BrainTrustException.BadInput("parameter '" + param.name() + "' of skill '" + skill.name()
                    + "' must be of type " + param.type() + ", not '" + value + "'");
        }
    }

    private static String describe(Skill skill) {
        if (skill.params().isEmpty()) {
            return "(none)";
        }
        return skill.params().stream()
                .map(p -> p.name() + " (" + p.type() + (p.required() ? "" : ", optional") + ")")
                .collect(Collectors.joining(", "));
    }

    /**
     * Output read from one stream, kept as it arrives so that a run that ends while a leftover
     * process still holds the stream keeps what was read: at most {@code cap} bytes, the first ones
     * (standard output) or the last ones (the tail of standard error).
     */
    private static final class Capture {
        private final int cap;
        private final boolean keepTail;
        private final java.io.ByteArrayOutputStream head = new java.io.ByteArrayOutputStream();
        private final byte[] tail;
        private long total;

        Capture(int cap, boolean keepTail) {
            this.cap = cap;
            this.keepTail = keepTail;
            this.tail = keepTail ? new byte[cap] : null;
        }

        void readAll(InputStream in) {
            byte[] buf = new byte[8192];
            try (in) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    append(buf, n);
                }
            } catch (IOException e) {
                // the stream was closed or broke: keep what was read
            }
        }

        private synchronized void append(byte[] buf, int n) {
            if (keepTail) {
                for (int i = 0; i < n; i++) {
                    tail[(int) ((total + i) % cap)] = buf[i];
                }
            } else if (head.size() < cap) {
                head.write(buf, 0, Math.min(n, cap - head.size()));
            }
            total += n;
        }

        synchronized String text() {
            if (!keepTail) {
                return head.toString(StandardCharsets.UTF_8);
            }
            int size = (int) Math.min(total, cap);
            int startAt = total > cap ? (int) (total % cap) : 0;
            byte[] out = new byte[size];
            for (int i = 0; i < size; i++) {
                out[i] = tail[(startAt + i) % cap];
            }
            return new String(out, StandardCharsets.UTF_8);
        }

        synchronized boolean truncated() {
            return total > cap;
        }
    }

    @Override
    public void close() {
        readers.shutdownNow();
    }
}
