package dev.braintrust.skills;

import dev.braintrust.BrainTrustException;
import dev.braintrust.Config;

import java.io.ByteArrayOutputStream;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

/**
 * Runs skill scripts as child processes: arguments as argv in the order of the script's
 * {@code PARAM} headers (never through a shell), standard input closed, a timeout after which the
 * whole process tree is killed, standard output capped, and an environment without secrets.
 */
public final class SkillRunner implements AutoCloseable {
    static final int STDERR_TAIL_BYTES = 4096;
    public static final String OK = "ok";
    public static final String FAILED = "failed";
    public static final String TIMEOUT = "timeout";
    public static final String NOT_STARTED = "not_started";
    /** Every outcome {@link #runCount(String)} knows. */
    public static final List<String> OUTCOMES = List.of(OK, FAILED, TIMEOUT, NOT_STARTED);
    private static final File DEV_NULL = new File("/dev/null");

    private final Duration timeout;
    private final int outputCap;
    private final Map<String, LongAdder> runs = OUTCOMES.stream()
            .collect(Collectors.toUnmodifiableMap(o -> o, o -> new LongAdder()));
    private final ExecutorService readers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "skill-output");
        t.setDaemon(true);
        return t;
    });

    public SkillRunner(Duration timeout, int outputCap) {
        this.timeout = timeout;
        this.outputCap = outputCap;
    }

    /**
     * Checks the arguments against the skill's parameters and runs it.
     *
     * @throws BrainTrustException.BadInput for unknown or missing arguments, or a value of the wrong type
     * @throws BrainTrustException.Unavailable when the script cannot be started
     */
    public SkillResult run(Skill skill, Map<String, String> args) {
        List<String> argv = argv(skill, args);
        ProcessBuilder pb = new ProcessBuilder(argv)
                .directory(homeOf(skill.script()).toFile())
                .redirectInput(ProcessBuilder.Redirect.from(DEV_NULL));
        scrubEnvironment(pb.environment());
        long start = System.nanoTime();
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            runs.get(NOT_STARTED).increment();
            throw new BrainTrustException.Unavailable("skill '" + skill.name() + "' could not be started ("
                    + e.getMessage() + "); check its first line (#!) names an interpreter that is installed", e);
        }
        Future<Capture> stdout = readers.submit(() -> capture(process.getInputStream(), outputCap, false));
        Future<Capture> stderr = readers.submit(() -> capture(process.getErrorStream(), STDERR_TAIL_BYTES, true));
        boolean timedOut = false;
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                timedOut = true;
                killTree(process);
            }
        } catch (InterruptedException e) {
            killTree(process);
            Thread.currentThread().interrupt();
            throw new BrainTrustException.Unavailable("skill '" + skill.name() + "' was interrupted");
        }
        Capture out = collect(stdout, process);
        Capture err = collect(stderr, process);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        SkillResult result = new SkillResult(skill.name(), timedOut ? -1 : process.exitValue(), out.text(), out.truncated(),
                err.text(), timedOut, took);
        runs.get(result.outcome()).increment();
        return result;
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

    /** Removes every credential so a skill cannot read the server's secrets. */
    static void scrubEnvironment(Map<String, String> env) {
        env.keySet().removeIf(SkillRunner::isSecretVariable);
    }

    static boolean isSecretVariable(String name) {
        String base = name.endsWith("_FILE") ? name.substring(0, name.length() - 5) : name;
        return Config.SECRET_VARIABLES.contains(base) || base.endsWith("_API_KEY") || base.startsWith(Config.TRIGGER_SECRET_PREFIX);
    }

    private static void killTree(Process process) {
        // Children first: once the parent dies they are re-parented and no longer its descendants.
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.descendants().forEach(ProcessHandle::destroyForcibly);
    }

    private Capture collect(Future<Capture> reader, Process process) {
        try {
            return reader.get(2, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            // A detached grandchild still holds the pipe open; stop waiting for it.
            closeQuietly(process.getInputStream());
            closeQuietly(process.getErrorStream());
            reader.cancel(true);
            return new Capture("", true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Capture("", true);
        } catch (java.util.concurrent.ExecutionException e) {
            return new Capture("", true);
        }
    }

    private record Capture(String text, boolean truncated) {
    }

    /** Reads the stream to its end, keeping at most {@code cap} bytes (the first ones, or the last ones for a tail). */
    private static Capture capture(InputStream in, int cap, boolean keepTail) throws IOException {
        ByteArrayOutputStream kept = new ByteArrayOutputStream();
        byte[] tail = keepTail ? new byte[cap] : null;
        long total = 0;
        byte[] buf = new byte[8192];
        for (int n; (n = in.read(buf)) > 0; ) {
            if (keepTail) {
                for (int i = 0; i < n; i++) {
                    tail[(int) ((total + i) % cap)] = buf[i];
                }
            } else if (kept.size() < cap) {
                kept.write(buf, 0, (int) Math.min(n, cap - kept.size()));
            }
            total += n;
        }
        if (keepTail) {
            int size = (int) Math.min(total, cap);
            int startAt = (int) (total <= cap ? 0 : total % cap);
            for (int i = 0; i < size; i++) {
                kept.write(tail[(startAt + i) % cap]);
            }
        }
        return new Capture(kept.toString(StandardCharsets.UTF_8), total > cap);
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // closing a pipe we no longer read from
        }
    }

    @Override
    public void close() {
        readers.shutdownNow();
    }
}
