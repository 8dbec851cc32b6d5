package dev.braintrust.skills;

import dev.braintrust.BrainTrustException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * How a skill's processes are started and ended, so that none outlives its run and none can look
 * at the server's process.
 *
 * <ul>
 *   <li>{@link Mode#NAMESPACE}: through {@code unshare}, in a PID namespace of its own with its own
 *       {@code /proc} (and, for a user other than root, a user namespace that keeps the user's id).
 *       The skill is process 1 of the namespace: when it exits, or is killed, the kernel kills every
 *       process left in it, {@code setsid} or not. The server's process is not visible from inside.</li>
 *   <li>{@link Mode#SESSION}: through {@code setsid}, in a session and process group of its own.
 *       After the run, every process of that session or group is killed, and every process that
 *       carries the run's marker variable (one that started its own session keeps it), found in
 *       {@code /proc}. A process that clears its environment and leaves the session escapes this.</li>
 * </ul>
 */
final class SkillSandbox {
    private static final Logger log = LoggerFactory.getLogger(SkillSandbox.class);
    /** The variable that marks every process of one run; its value is the run's id. */
    static final String MARKER = "BRAIN_TRUST_SKILL_RUN";
    private static final Path PROC = Path.of("/proc");

    enum Mode { NAMESPACE, SESSION }

    private final Mode mode;
    private final List<String> prefix;

    private SkillSandbox(Mode mode, List<String> prefix) {
        this.mode = mode;
        this.prefix = List.copyOf(prefix);
    }

    /**
     * @param setting auto (a namespace when this system allows one, else a session), namespace, or session
     * @throws BrainTrustException.BadConfig when a namespace is required and this system does not allow one
     */
    static SkillSandbox choose(String setting) {
        if (!"session".equals(setting)) {
            List<String> unshare = unsharePrefix();
            String problem = probe(unshare, "test $$ -eq 1 && test -d /proc/1 && ! test -d /proc/2");
            if (problem == null) {
                return new SkillSandbox(Mode.NAMESPACE, unshare);
            }
            if ("namespace".equals(setting)) {
                throw new BrainTrustException.BadConfig("BRAIN_TRUST_SKILL_ISOLATION=namespace, but this system does not let "
                        + "skills run in a PID namespace of their own (" + problem + "); install util-linux 2.38 or later, "
                        + "allow unprivileged user namespaces, or set BRAIN_TRUST_SKILL_ISOLATION=session");
            }
            log.info("skills run in a session of their own, not in a PID namespace ({})", problem);
        }
        List<String> setsid = List.of("setsid", "--");
        return new SkillSandbox(Mode.SESSION, probe(setsid, "exit 0") == null ? setsid : List.of());
    }

    /**
     * The wrapper's own message when it could not execute the script (exit 126 or 127 and
     * "unshare: failed to execute ..."), else null: such a run never started.
     */
    String startFailure(int exitCode, String stderr) {
        if (prefix.isEmpty() || (exitCode != 126 && exitCode != 127)) {
            return null;
        }
        String line = stderr.strip();
        return line.startsWith(prefix.get(0) + ": failed to execute ") ? line.substring(prefix.get(0).length() + 2) : null;
    }

    Mode mode() {
        return mode;
    }

    /** The command that runs {@code argv} in the sandbox. */
    List<String> command(List<String> argv) {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(argv);
        return command;
    }

    /**
     * Kills whatever is left of a run, after the script ended or timed out: in a namespace, the
     * namespace (by killing the wrapper, whose death kills its process 1); in a session, the process,
     * its descendants, its session and group, and every process marked with the run's id.
     */
    void endRun(Process process, String runId) {
        // Through the handle: Process.destroy would also close the pipes, and lose the output not read yet.
        ProcessHandle handle = process.toHandle();
        if (mode == Mode.NAMESPACE) {
            handle.destroyForcibly();
            waitFor(process);
            return;
        }
        List<ProcessHandle> descendants = handle.descendants().toList();
        handle.destroyForcibly();
        descendants.forEach(ProcessHandle::destroyForcibly);
        waitFor(process);
        List<ProcessHandle> left = leftovers(process.pid(), runId);
        left.forEach(ProcessHandle::destroyForcibly);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        for (ProcessHandle h : left) { // gone when the run returns, not a moment later
            while (!isGone(h) && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Processes of the session or group {@code group}, or whose environment has the marker of {@code runId}. */
    static List<ProcessHandle> leftovers(long group, String runId) {
        if (!Files.isDirectory(PROC)) {
            return List.of();
        }
        String marker = "\0" + MARKER + "=" + runId + "\0";
        long self = ProcessHandle.current().pid();
        List<ProcessHandle> found = new ArrayList<>();
        try (Stream<Path> entries = Files.list(PROC)) {
            for (Path entry : entries.toList()) {
                String name = entry.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit) || Long.parseLong(name) == self) {
                    continue;
                }
                if (inGroup(entry, group) || hasMarker(entry, marker)) {
                    ProcessHandle.of(Long.parseLong(name)).ifPresent(found::add);
                }
            }
        } catch (IOException | RuntimeException e) {
            log.debug("cannot look for a skill's leftover processes: {}", e.toString());
        }
        return found;
    }

    /** Ended: no longer there, or a zombie that only waits for whoever adopted it to reap it. */
    private static boolean isGone(ProcessHandle h) {
        if (!h.isAlive()) {
            return true;
        }
        try {
            String stat = Files.readString(PROC.resolve(String.valueOf(h.pid())).resolve("stat"), StandardCharsets.UTF_8);
            return stat.charAt(stat.lastIndexOf(')') + 2) == 'Z';
        } catch (IOException | RuntimeException e) {
            return true;
        }
    }

    /** Field 5 (process group) or 6 (session) of {@code /proc/<pid>/stat}, after the command name in parentheses. */
    private static boolean inGroup(Path process, long group) {
        try {
            String stat = Files.readString(process.resolve("stat"), StandardCharsets.UTF_8);
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[2]) == group || Long.parseLong(fields[3]) == group;
        } catch (IOException | RuntimeException e) {
            return false; // gone, or not ours to read
        }
    }

    private static boolean hasMarker(Path process, String marker) {
        try (InputStream in = Files.newInputStream(process.resolve("environ"))) {
            return ("\0" + new String(in.readNBytes(256 * 1024), StandardCharsets.ISO_8859_1)).contains(marker);
        } catch (IOException | RuntimeException e) {
            return false; // gone, or not ours to read
        }
    }

    private static List<String> unsharePrefix() {
        return unsharePrefix(isRoot());
    }

    static List<String> unsharePrefix(boolean root) {
        List<String> command = new ArrayList<>(List.of("unshare"));
        if (!root) {
            command.addAll(List.of("--user", "--map-current-user")); // the skill keeps the user's id, and no capability
        }
        command.addAll(List.of("--pid", "--fork", "--kill-child", "--mount-proc", "--"));
        return command;
    }

    /** Null when {@code script} succeeds under the prefix (for a namespace: the probe is process 1 of its own), else why not. */
    private static String probe(List<String> prefix, String script) {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of("/bin/sh", "-c", script));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            boolean ended = p.waitFor(5, TimeUnit.SECONDS);
            if (!ended) {
                p.destroyForcibly();
                return prefix.get(0) + " did not answer within 5 s";
            }
            String output = new String(p.getInputStream().readNBytes(2000), StandardCharsets.UTF_8).strip();
            return p.exitValue() == 0 ? null : prefix.get(0) + ": " + (output.isEmpty() ? "exit code " + p.exitValue() : output);
        } catch (IOException e) {
            return prefix.get(0) + " cannot be started (" + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private static boolean isRoot() {
        try {
            return ((Number) Files.getAttribute(PROC.resolve("self"), "unix:uid")).intValue() == 0;
        } catch (IOException | RuntimeException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    private static void waitFor(Process process) {
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
