package dev.braintrust.journal;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The process that owns a run: host name, process id and process start time, written as
 * {@code host/pid/startMillis}. With the start time, a recycled process id is not taken for the
 * process that started the run.
 */
record RunOwner(String host, long pid, long startMillis) {

    static RunOwner current() {
        ProcessHandle self = ProcessHandle.current();
        return new RunOwner(hostName(), self.pid(), startMillis(self).orElse(0L));
    }

    static Optional<RunOwner> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        int last = text.lastIndexOf('/');
        int middle = last > 0 ? text.lastIndexOf('/', last - 1) : -1;
        if (middle <= 0) {
            return Optional.empty();
        }
        try {
            return Optional.of(new RunOwner(text.substring(0, middle), Long.parseLong(text.substring(middle + 1, last)),
                    Long.parseLong(text.substring(last + 1))));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * Why a run owned by {@code otherText} whose heartbeat is {@code sinceHeartbeatMillis} old is
     * abandoned, or null when it may still be running.
     */
    String abandonmentReason(String otherText, long sinceHeartbeatMillis, Duration staleAfter) {
        if (toString().equals(otherText)) {
            return null;
        }
        Optional<RunOwner> other = parse(otherText);
        if (other.isPresent() && other.get().host.equals(host)) {
            return other.get().isAlive() ? null
                    : "interrupted: the process that ran it (pid " + other.get().pid + " on " + host + ") stopped before it finished";
        }
        if (sinceHeartbeatMillis > staleAfter.toMillis()) {
            return "interrupted: the process that ran it (" + otherText + ") has not reported for "
                    + Duration.ofMillis(sinceHeartbeatMillis).toSeconds() + " s";
        }
        return null;
    }

    /** True when a process with this id exists and started when this owner's process did. */
    boolean isAlive() {
        return ProcessHandle.of(pid)
                .filter(ProcessHandle::isAlive)
                .map(p -> startMillis(p).map(start -> start == startMillis).orElse(true))
                .orElse(false);
    }

    private static Optional<Long> startMillis(ProcessHandle process) {
        return process.info().startInstant().map(Instant::toEpochMilli);
    }

    private static String hostName() {
        try {
            String name = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            if (!name.isEmpty()) {
                return name;
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux: ask the resolver
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    @Override
    public String toString() {
        return host + "/" + pid + "/" + startMillis;
    }
}
