package dev.braintrust.journal;

import dev.braintrust.BrainTrustException;
import dev.braintrust.testing.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JournalTest {
    private static final Instant NOON = Instant.parse("2026-03-14T12:00:00Z");
    @TempDir
    Path logs;

    private Journal journal() {
        return new Journal(logs, Clock.fixed(NOON, ZoneOffset.UTC));
    }

    private static JournalEntry entry(String title, Instant at) {
        return new JournalEntry(at, title, "succeeded", Duration.ofMillis(12_345), "abc123",
                List.of("Researcher", "Writer"), "run-1", "The final\n\noutput   text.");
    }

    @Test
    void writes_a_day_header_once_and_an_entry_with_every_field() throws Exception {
        Journal journal = journal();
        journal.append(entry("Research brief", NOON));
        journal.append(entry("Second run", NOON.plusSeconds(65)));

        String day = Files.readString(logs.resolve("2026-03-14.md"));
        assertThat(day).startsWith("# Brain Trust journal — 2026-03-14 (Z)\n");
        assertThat(day.split("# Brain Trust journal", -1)).hasSize(2);
        assertThat(day).contains("""
                ## 12:00:00+00:00 — Research brief — succeeded

                - Run: run-1
                - Agents: Researcher, Writer
                - Duration: 12.3 s
                - Status: succeeded
                - Context revision: abc123

                > The final output text.
                """);
        assertThat(day).contains("## 12:01:05+00:00 — Second run — succeeded");
    }

    @Test
    void long_summaries_are_shortened() throws Exception {
        journal().append(new JournalEntry(NOON, "t", "failed", Duration.ZERO, null, List.of(), null, "y".repeat(5000)));
        String day = Files.readString(logs.resolve("2026-03-14.md"));
        assertThat(day).contains("y".repeat(Journal.SUMMARY_CHARS) + "…").doesNotContain("y".repeat(Journal.SUMMARY_CHARS + 1));
        assertThat(day).contains("- Context revision: (none)");
    }

    @Test
    void lists_days_newest_first_and_reads_one() {
        Journal journal = journal();
        journal.append(entry("a", Instant.parse("2026-03-12T10:00:00Z")));
        journal.append(entry("b", NOON));
        assertThat(journal.days()).containsExactly(LocalDate.parse("2026-03-14"), LocalDate.parse("2026-03-12"));
        assertThat(journal.read("2026-03-12")).contains("— a —");
    }

    @Test
    void a_day_that_is_not_a_date_cannot_reach_another_file() throws Exception {
        Files.writeString(logs.resolve("secret.md"), "no");
        Journal journal = journal();
        for (String bad : new String[]{"../secret", "secret", "2026-03-14/../../etc/passwd", "2026-02-30", "", "2026-03-14\0"}) {
            assertThatThrownBy(() -> journal.read(bad)).as(bad).isInstanceOf(BrainTrustException.BadInput.class);
        }
        assertThatThrownBy(() -> journal.read("2026-01-01")).isInstanceOf(BrainTrustException.NotFound.class);
    }

    @Test
    void fifty_concurrent_appends_from_two_processes_leave_fifty_whole_entries() throws Exception {
        Process other = ChildJvm.start(AppendProbe.class, Map.of(), logs.toString(), "25");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        Journal journal = journal();
        for (int i = 0; i < 25; i++) {
            int n = i;
            pool.submit(() -> journal.append(entry("here-" + n, NOON)));
        }
        pool.shutdown();
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        String childOutput = new String(other.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(other.waitFor()).as(childOutput).isZero();

        String day = Files.readString(logs.resolve("2026-03-14.md"));
        assertThat(day.split("# Brain Trust journal", -1)).hasSize(2);
        Matcher whole = Pattern.compile("## 12:00:00\\+00:00 — (here|there)-\\d+ — succeeded\n\n- Run: run-1\n- Agents: Researcher, Writer\n"
                + "- Duration: 12.3 s\n- Status: succeeded\n- Context revision: abc123\n\n> The final output text.\n").matcher(day);
        int count = 0;
        while (whole.find()) {
            count++;
        }
        assertThat(count).isEqualTo(50);
        assertThat(day.split("\n## ", -1)).hasSize(51);
    }

    @Test
    void the_night_the_clocks_go_back_gives_two_headings_an_hour_apart_with_their_offsets() throws Exception {
        ZoneId berlin = ZoneId.of("Europe/Berlin"); // 2026-10-25: 03:00 CEST becomes 02:00 CET
        Instant beforeChange = Instant.parse("2026-10-25T00:30:00Z");
        Instant afterChange = Instant.parse("2026-10-25T01:30:00Z");
        Journal journal = new Journal(logs, Clock.fixed(afterChange, berlin));
        journal.append(entry("before", beforeChange));
        journal.append(entry("after", afterChange));

        String day = Files.readString(logs.resolve("2026-10-25.md"));
        assertThat(day).startsWith("# Brain Trust journal — 2026-10-25 (Europe/Berlin)\n")
                .contains("## 02:30:00+02:00 — before — succeeded", "## 02:30:00+01:00 — after — succeeded");
    }

    @Test
    void the_clocks_going_forward_skip_an_hour_without_losing_an_entry() throws Exception {
        ZoneId newYork = ZoneId.of("America/New_York"); // 2026-03-08: 02:00 EST becomes 03:00 EDT
        Journal journal = new Journal(logs, Clock.fixed(NOON, newYork));
        journal.append(entry("last of winter time", Instant.parse("2026-03-08T06:59:59Z")));
        journal.append(entry("first of summer time", Instant.parse("2026-03-08T07:00:00Z")));
        assertThat(Files.readString(logs.resolve("2026-03-08.md")))
                .contains("## 01:59:59-05:00 — last of winter time", "## 03:00:00-04:00 — first of summer time");
    }

    @Test
    void the_day_of_an_entry_is_the_day_in_the_configured_zone_not_in_utc() throws Exception {
        Instant lateEvening = Instant.parse("2026-03-31T22:30:00Z"); // already April 1st in Berlin, still March 31st in UTC
        new Journal(logs, Clock.fixed(lateEvening, ZoneId.of("Europe/Berlin"))).append(entry("in Berlin", lateEvening));
        new Journal(logs, Clock.fixed(lateEvening, ZoneOffset.UTC)).append(entry("in UTC", lateEvening));
        new Journal(logs, Clock.fixed(lateEvening, ZoneId.of("Pacific/Auckland"))).append(entry("in Auckland", lateEvening));

        assertThat(Files.readString(logs.resolve("2026-04-01.md"))).contains("## 00:30:00+02:00 — in Berlin")
                .doesNotContain("in UTC");
        assertThat(Files.readString(logs.resolve("2026-03-31.md"))).contains("## 22:30:00+00:00 — in UTC");
        assertThat(Files.readString(logs.resolve("2026-04-01.md"))).contains("## 11:30:00+13:00 — in Auckland");
        assertThat(new Journal(logs, Clock.fixed(lateEvening, ZoneId.of("Europe/Berlin"))).today()).isEqualTo(LocalDate.parse("2026-04-01"));
    }

    /** The second process: appends N entries to the journal in the given folder from several threads. */
    public static final class AppendProbe {
        public static void main(String[] args) throws Exception {
            Journal journal = new Journal(Path.of(args[0]), Clock.fixed(NOON, ZoneOffset.UTC));
            ExecutorService pool = Executors.newFixedThreadPool(8);
            for (int i = 0; i < Integer.parseInt(args[1]); i++) {
                int n = i;
                pool.submit(() -> journal.append(entry("there-" + n, NOON)));
            }
            pool.shutdown();
            if (!pool.awaitTermination(30, TimeUnit.SECONDS)) {
                System.exit(1);
            }
        }
    }
}
