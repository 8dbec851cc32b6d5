package dev.braintrust.journal;

import dev.braintrust.BrainTrustException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;

/**
 * The human-readable journal: {@code logs/YYYY-MM-DD.md}, one file a day, one entry per run. Days
 * and times are those of the clock's zone (BRAIN_TRUST_TIMEZONE), each time written with its offset.
 * Appends take an in-process lock and an OS file lock, so concurrent runs in this process and
 * in other processes never interleave or lose an entry.
 */
public final class Journal {
    static final int SUMMARY_CHARS = 600;
    private static final Pattern DAY = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");
    /** With the offset, so that the two 02:30 of a night the clocks go back are two different times. */
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ssxxx", Locale.ROOT);

    private final Path folder;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();

    public Journal(Path folder, Clock clock) {
        this.folder = folder;
        this.clock = clock;
    }

    /** Appends an entry to the file of the entry's day (in the clock's time zone). */
    public void append(JournalEntry entry) {
        ZonedDateTime at = entry.time().atZone(clock.getZone());
        Path file = folder.resolve(at.toLocalDate() + ".md");
        byte[] text = format(entry, at).getBytes(StandardCharsets.UTF_8);
        lock.lock();
        try {
            Files.createDirectories(folder);
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
                 FileLock ignored = channel.lock()) {
                if (channel.size() == 0) {
                    write(channel, ("# Brain Trust journal — " + at.toLocalDate() + " (" + at.getZone().getId() + ")\n")
                            .getBytes(StandardCharsets.UTF_8));
                }
                write(channel, text);
                channel.force(false);
            }
        } catch (IOException e) {
            throw new BrainTrustException.Unavailable("cannot write the journal " + file + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    private static void write(FileChannel channel, byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    static String format(JournalEntry e, ZonedDateTime at) {
        StringBuilder out = new StringBuilder("\n## ").append(TIME.format(at)).append(" — ")
                .append(oneLine(e.title())).append(" — ").append(e.status()).append("\n\n");
        if (e.runId() != null) {
            out.append("- Run: ").append(e.runId()).append('\n');
        }
        if (!e.agents().isEmpty()) {
            out.append("- Agents: ").append(oneLine(String.join(", ", e.agents()))).append('\n');
        }
        out.append("- Duration: ").append(seconds(e.duration().toMillis())).append('\n');
        out.append("- Status: ").append(e.status()).append('\n');
        out.append("- Context revision: ").append(e.revision() == null ? "(none)" : e.revision()).append('\n');
        String summary = oneLine(e.summary());
        if (!summary.isEmpty()) {
            if (summary.length() > SUMMARY_CHARS) {
                summary = summary.substring(0, SUMMARY_CHARS) + "…";
            }
            out.append("\n> ").append(summary).append('\n');
        }
        return out.toString();
    }

    private static String seconds(long millis) {
        return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }

    private static String oneLine(String text) {
        return text == null ? "" : text.replaceAll("\\s+", " ").strip();
    }

    /** The days that have a journal, newest first. */
    public List<LocalDate> days() {
        List<LocalDate> days = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(folder, "*.md")) {
            for (Path f : files) {
                String stem = f.getFileName().toString().replaceFirst("\\.md$", "");
                if (DAY.matcher(stem).matches()) {
                    try {
                        days.add(LocalDate.parse(stem));
                    } catch (DateTimeParseException ignored) {
                        // a file named like a date that is not one is not a journal day
                    }
                }
            }
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new BrainTrustException.Unavailable("cannot list " + folder + ": " + e.getMessage(), e);
        }
        days.sort(Comparator.reverseOrder());
        return days;
    }

    /**
     * The Markdown of one day.
     *
     * @throws BrainTrustException.BadInput when {@code day} is not a YYYY-MM-DD date
     * @throws BrainTrustException.NotFound when there is no journal for that day
     */
    public String read(String day) {
        LocalDate date = parseDay(day);
        Path file = folder.resolve(date + ".md");
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new BrainTrustException.NotFound("no journal for " + date + "; 'brain-trust logs --list' lists the days there are");
        } catch (IOException e) {
            throw new BrainTrustException.Unavailable("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    public static LocalDate parseDay(String day) {
        if (day == null || !DAY.matcher(day).matches()) {
            throw new BrainTrustException.BadInput("'" + day + "' is not a date; use YYYY-MM-DD, e.g. 2026-01-31");
        }
        try {
            return LocalDate.parse(day);
        } catch (DateTimeParseException e) {
            throw new BrainTrustException.BadInput("'" + day + "' is not a valid date; use YYYY-MM-DD");
        }
    }

    public LocalDate today() {
        return LocalDate.now(clock);
    }
}
