package dev.braintrust.schedule;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Cron expressions and time zones against fixed instants, daylight-saving changes both ways. */
class CronScheduleTest {
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    private static Instant berlin(String localDateTime) {
        return ZonedDateTime.of(java.time.LocalDateTime.parse(localDateTime), BERLIN).toInstant();
    }

    private static List<String> fires(CronSchedule cron, Instant after, int count) {
        return cron.next(after, count).stream().map(z -> z.toOffsetDateTime().toString()).toList();
    }

    @Test
    void weekdays_at_seven_fire_in_the_schedules_zone_not_the_servers() {
        CronSchedule cron = CronSchedule.parse("0 7 * * 1-5", "Europe/Berlin");
        // Friday 2026-01-09 08:00 in Berlin: the next fires are Monday to Friday of the week after, at 07:00 local (06:00 UTC).
        assertThat(fires(cron, berlin("2026-01-09T08:00"), 5)).containsExactly(
                "2026-01-12T07:00+01:00", "2026-01-13T07:00+01:00", "2026-01-14T07:00+01:00",
                "2026-01-15T07:00+01:00", "2026-01-16T07:00+01:00");
        assertThat(cron.next(berlin("2026-01-12T06:59")).orElseThrow()).isEqualTo(Instant.parse("2026-01-12T06:00:00Z"));
        CronSchedule newYork = CronSchedule.parse("0 7 * * 1-5", "America/New_York");
        assertThat(newYork.next(Instant.parse("2026-01-12T00:00:00Z")).orElseThrow()).isEqualTo(Instant.parse("2026-01-12T12:00:00Z"));
    }

    @Test
    void a_job_at_half_past_two_runs_once_on_a_spring_forward_night_when_the_clock_jumps() {
        CronSchedule cron = CronSchedule.parse("30 2 * * *", "Europe/Berlin");
        // 2026-03-29: at 02:00 CET the clocks go to 03:00 CEST; 02:30 does not exist that night.
        assertThat(fires(cron, berlin("2026-03-28T12:00"), 3)).containsExactly(
                "2026-03-29T03:00+02:00", "2026-03-30T02:30+02:00", "2026-03-31T02:30+02:00");
    }

    @Test
    void a_job_at_half_past_two_runs_once_on_a_fall_back_night() {
        CronSchedule cron = CronSchedule.parse("30 2 * * *", "Europe/Berlin");
        // 2026-10-25: at 03:00 CEST the clocks go back to 02:00 CET; 02:30 happens twice that night.
        assertThat(fires(cron, berlin("2026-10-24T12:00"), 3)).containsExactly(
                "2026-10-25T02:30+02:00", "2026-10-26T02:30+01:00", "2026-10-27T02:30+01:00");
        // Asked during the second 02:00 hour, the 02:30 of that night has already fired.
        Instant secondPass = ZonedDateTime.ofStrict(java.time.LocalDateTime.parse("2026-10-25T02:10"), java.time.ZoneOffset.ofHours(1), BERLIN)
                .toInstant();
        assertThat(fires(cron, secondPass, 1)).containsExactly("2026-10-26T02:30+01:00");
    }

    @Test
    void an_hourly_job_follows_real_time_across_both_changes() {
        CronSchedule cron = CronSchedule.parse("30 * * * *", "Europe/Berlin");
        assertThat(fires(cron, berlin("2026-03-29T00:00"), 3)).containsExactly(
                "2026-03-29T00:30+01:00", "2026-03-29T01:30+01:00", "2026-03-29T03:30+02:00");
        assertThat(fires(cron, berlin("2026-10-25T01:00"), 4)).containsExactly(
                "2026-10-25T01:30+02:00", "2026-10-25T02:30+02:00", "2026-10-25T02:30+01:00", "2026-10-25T03:30+01:00");
    }

    @Test
    void shortcuts_stand_for_their_five_fields() {
        Instant after = Instant.parse("2026-05-13T10:15:00Z");
        assertThat(CronSchedule.parse("@daily", "UTC").next(after)).contains(Instant.parse("2026-05-14T00:00:00Z"));
        assertThat(CronSchedule.parse("@hourly", "UTC").next(after)).contains(Instant.parse("2026-05-13T11:00:00Z"));
        assertThat(CronSchedule.parse("@weekly", "UTC").next(after)).contains(Instant.parse("2026-05-17T00:00:00Z"));
        assertThat(CronSchedule.parse("@monthly", "UTC").next(after)).contains(Instant.parse("2026-06-01T00:00:00Z"));
        assertThat(CronSchedule.parse("@yearly", "UTC").next(after)).contains(Instant.parse("2027-01-01T00:00:00Z"));
    }

    @Test
    void day_of_month_and_day_of_week_match_either_as_in_cron() {
        CronSchedule cron = CronSchedule.parse("0 9 13 * FRI", "UTC");
        assertThat(fires(cron, Instant.parse("2026-01-10T00:00:00Z"), 3))
                .containsExactly("2026-01-13T09:00Z", "2026-01-16T09:00Z", "2026-01-23T09:00Z");
    }

    @Test
    void a_wrong_expression_or_zone_says_what_is_wrong() {
        assertThatThrownBy(() -> CronSchedule.parse("61 * * * *", "UTC")).hasMessageContaining("61").hasMessageContaining("[0, 59]");
        assertThatThrownBy(() -> CronSchedule.parse("* * *", "UTC")).hasMessageContaining("five fields");
        assertThatThrownBy(() -> CronSchedule.parse("@reboot", "UTC")).hasMessageContaining("@daily");
        assertThatThrownBy(() -> CronSchedule.parse("0 7 * * *", null)).hasMessageContaining("IANA");
        assertThatThrownBy(() -> CronSchedule.parse("0 7 * * *", "Mars/Olympus")).hasMessageContaining("not an IANA time zone");
        assertThatThrownBy(() -> CronSchedule.parse("0 7 * * *", "+02:00")).hasMessageContaining("fixed offset");
        assertThat(CronSchedule.parse("0 0 31 2 *", "UTC").next(Instant.EPOCH)).isEmpty();
    }
}
