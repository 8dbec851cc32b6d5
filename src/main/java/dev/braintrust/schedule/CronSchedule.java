package dev.braintrust.schedule;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.field.CronFieldName;
import com.cronutils.model.field.expression.Always;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.zone.ZoneOffsetTransition;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A standard 5-field cron expression (minute hour day-of-month month day-of-week, with names, ranges,
 * steps and lists; day-of-month and day-of-week match either, as in cron) or a shortcut ({@code @daily}
 * and the like), in an IANA time zone. Parsing and matching are cron-utils'; what this class adds is how
 * daylight-saving changes are handled, the way Vixie cron does:
 * <ul>
 *   <li>a job at a fixed hour (say 02:30) runs once on a spring-forward night, at the moment the clock jumps
 *       (03:00 in Europe/Berlin), and once on a fall-back night (at the first 02:30);</li>
 *   <li>a job that runs every hour ({@code *} in the hour field) follows real time: it runs in both 02:00
 *       hours of a fall-back night and skips nothing on a spring-forward one, because no hour is lost.</li>
 * </ul>
 */
final class CronSchedule {
    private static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
    /** The shortcuts of crontab(5); {@code @reboot} has no meaning for a server that keeps its own history. */
    static final Map<String, String> SHORTCUTS = Map.of(
            "@yearly", "0 0 1 1 *", "@annually", "0 0 1 1 *", "@monthly", "0 0 1 * *", "@weekly", "0 0 * * 0",
            "@daily", "0 0 * * *", "@midnight", "0 0 * * *", "@hourly", "0 * * * *");
    /** The most fires {@link #next} looks through for one that is really later (a guard, never reached by a valid cron). */
    private static final int MAX_CANDIDATES = 10_000;

    private final String expression;
    private final ZoneId zone;
    private final ExecutionTime times;
    private final boolean everyHour;

    private CronSchedule(String expression, ZoneId zone, Cron cron) {
        this.expression = expression;
        this.zone = zone;
        this.times = ExecutionTime.forCron(cron);
        this.everyHour = cron.retrieve(CronFieldName.HOUR).getExpression() instanceof Always;
    }

    /**
     * @throws IllegalArgumentException saying what is wrong with the expression or the zone
     */
    static CronSchedule parse(String expression, String timezone) {
        if (expression == null || expression.isBlank()) {
            throw new IllegalArgumentException("it has no \"cron\": give five fields such as \"0 7 * * 1-5\", or @daily");
        }
        String text = expression.strip().replaceAll("\\s+", " ");
        String fields = text.startsWith("@") ? SHORTCUTS.get(text.toLowerCase(Locale.ROOT)) : text;
        if (fields == null) {
            throw new IllegalArgumentException("cron '" + text + "' is not a shortcut this server knows: use one of "
                    + String.join(", ", SHORTCUTS.keySet().stream().sorted().toList()) + ", or five fields");
        }
        Cron cron;
        try {
            cron = PARSER.parse(fields).validate();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cron '" + text + "' is not valid: " + e.getMessage()
                    + " (five fields: minute hour day-of-month month day-of-week)");
        }
        return new CronSchedule(text, zone(timezone), cron);
    }

    /** An IANA zone (Europe/Berlin, America/New_York, UTC); offsets such as +02:00 are refused, they know no DST. */
    static ZoneId zone(String timezone) {
        if (timezone == null || timezone.isBlank()) {
            throw new IllegalArgumentException("it has no \"timezone\": name an IANA time zone such as \"Europe/Berlin\" or \"UTC\"");
        }
        ZoneId zone;
        try {
            zone = ZoneId.of(timezone.strip());
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("timezone '" + timezone + "' is not an IANA time zone; use a name such as "
                    + "\"Europe/Berlin\", \"America/New_York\" or \"UTC\"");
        }
        if (zone instanceof ZoneOffset) {
            throw new IllegalArgumentException("timezone '" + timezone + "' is a fixed offset, which knows no daylight saving; "
                    + "name the IANA zone instead, such as \"Europe/Berlin\" or \"UTC\"");
        }
        return zone;
    }

    String expression() {
        return expression;
    }

    ZoneId zone() {
        return zone;
    }

    /** The first fire strictly after {@code after}; empty when the expression never fires again (31 February). */
    Optional<Instant> next(Instant after) {
        if (everyHour) {
            return times.nextExecution(after.atZone(zone)).map(ZonedDateTime::toInstant);
        }
        // Fixed hours: walk the zone's wall-clock times, then place each one on the time line.
        ZonedDateTime cursor = after.atZone(zone).toLocalDateTime().atZone(ZoneOffset.UTC);
        for (int i = 0; i < MAX_CANDIDATES; i++) {
            Optional<ZonedDateTime> wall = times.nextExecution(cursor);
            if (wall.isEmpty()) {
                return Optional.empty();
            }
            Instant at = place(wall.get().toLocalDateTime());
            if (at.isAfter(after)) {
                return Optional.of(at);
            }
            cursor = wall.get(); // a wall-clock time of the first pass of a repeated hour: it has fired already
        }
        return Optional.empty();
    }

    /** The next {@code count} fires after {@code after}, in the schedule's zone. */
    List<ZonedDateTime> next(Instant after, int count) {
        List<ZonedDateTime> fires = new ArrayList<>();
        Instant cursor = after;
        while (fires.size() < count) {
            Optional<Instant> next = next(cursor);
            if (next.isEmpty()) {
                break;
            }
            fires.add(next.get().atZone(zone));
            cursor = next.get();
        }
        return fires;
    }

    /** A wall-clock time in a spring-forward gap fires when the clock jumps; one in a fall-back overlap, at its first pass. */
    private Instant place(LocalDateTime wall) {
        ZoneOffsetTransition transition = zone.getRules().getTransition(wall);
        if (transition != null && transition.isGap()) {
            return transition.getInstant();
        }
        return wall.atZone(zone).toInstant();
    }
}
