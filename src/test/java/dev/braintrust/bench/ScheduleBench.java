package dev.braintrust.bench;

import dev.braintrust.BrainTrust;
import dev.braintrust.journal.RunRecord;
import dev.braintrust.journal.ScheduleFire;
import dev.braintrust.schedule.ScheduleService;
import dev.braintrust.testing.LlmStandIn;
import dev.braintrust.testing.TestHome;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Fire lag of schedules for issue 17 (run by bench/schedules.sh, not a unit test): the time from a fire's due
 * time to the start of its run (the run's recorded start), over {@code schedules x minutes} fires of
 * {@code * * * * *} schedules, with the real scheduler thread, the real run database (SQLite) and the LLM
 * stand-in answering at once. The clock is the system clock shifted so that the first minute comes a few
 * seconds after start; it runs at real speed, so every wait and every lag is real. The fires of a first minute
 * warm the JIT up and are reported apart.
 * Usage: ScheduleBench <empty dir> [schedules] [minutes]
 */
public final class ScheduleBench {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int schedules = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int minutes = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        System.out.println("load average at start: " + Files.readString(Path.of("/proc/loadavg")).strip()
                + " (" + Runtime.getRuntime().availableProcessors() + " cores)");
        Path home = TestHome.create(dir.resolve("home"));
        TestHome.noSkills(home);
        for (int i = 0; i < schedules; i++) {
            Files.writeString(home.resolve("workflows/pulse-" + i + ".json"), "{\"name\": \"Pulse " + i + "\", "
                    + "\"schedule\": {\"cron\": \"* * * * *\", \"timezone\": \"Europe/Berlin\"}, \"nodes\": [{\"id\": \"a\", "
                    + "\"type\": \"agentNode\", \"data\": {\"goal\": \"beat\"}}], \"edges\": []}");
        }
        Instant now = Instant.now();
        Instant warmUp = now.truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofMinutes(1));
        Instant first = warmUp.plus(Duration.ofMinutes(1));
        Clock clock = Clock.offset(Clock.systemUTC(), Duration.between(now, warmUp.minusSeconds(25)));
        try (LlmStandIn llm = new LlmStandIn();
             BrainTrust bt = BrainTrust.open(TestHome.config(home, llm, Map.of("BRAIN_TRUST_MAX_SCHEDULED_RUNS",
                     String.valueOf(schedules))), clock)) {
            bt.watchForChanges();
            bt.startAutomation();
            Instant last = first.plus(Duration.ofMinutes(minutes - 1));
            System.out.printf(Locale.ROOT, "%d schedules firing every minute, %d minutes after a warm-up minute: %d fires, "
                    + "the first in %d s%n", schedules, minutes, schedules * minutes, Duration.between(clock.instant(), first).toSeconds());
            while (clock.instant().isBefore(last.plusSeconds(5))) {
                Thread.sleep(500);
            }
            List<Long> lags = new ArrayList<>();
            List<Long> warm = new ArrayList<>();
            List<Long> firsts = new ArrayList<>();
            int skipped = 0;
            for (ScheduleService.ScheduleView s : bt.schedules().overview().schedules()) {
                for (ScheduleFire f : s.recent()) {
                    if (f.runId() == null) {
                        skipped++;
                        continue;
                    }
                    RunRecord run = bt.runs().get(f.runId());
                    (f.fireAt().isBefore(first) ? warm : lags).add(Duration.between(f.fireAt(), run.startedAt()).toMillis());
                }
            }
            for (int m = 0; m < minutes; m++) {
                Instant fireAt = first.plus(Duration.ofMinutes(m));
                firsts.add(bt.runs().list(1000, 0).stream().filter(r -> !r.startedAt().isBefore(fireAt))
                        .map(r -> Duration.between(fireAt, r.startedAt()).toMillis()).min(Long::compare).orElse(-1L));
            }
            lags.sort(null);
            warm.sort(null);
            System.out.printf(Locale.ROOT, "warm-up minute (%d fires, JIT cold): p50 %d ms, p95 %d ms%n", warm.size(), pct(warm, 50),
                    pct(warm, 95));
            System.out.printf(Locale.ROOT, "fires run: %d, skipped or not started: %d%n", lags.size(), skipped);
            System.out.printf(Locale.ROOT, "fire lag (due -> run started): p50 %d ms, p95 %d ms, max %d ms (target < 1000 ms)%n",
                    pct(lags, 50), pct(lags, 95), lags.isEmpty() ? -1 : lags.get(lags.size() - 1));
            System.out.println("first run of each minute started after: " + firsts + " ms");
            System.out.println("load average at end: " + Files.readString(Path.of("/proc/loadavg")).strip());
        }
    }

    private static long pct(List<Long> sorted, int p) {
        if (sorted.isEmpty()) {
            return -1;
        }
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }
}
