package dev.braintrust.schedule;

import dev.braintrust.BrainTrust;
import dev.braintrust.Config;
import dev.braintrust.server.ApiServer;

import java.time.Clock;
import java.time.Duration;

/**
 * A child process for {@link ScheduleRestartTest}: the server (API, scheduler) over a home, on a clock running
 * {@code offsetMillis} ahead of the real one, as `brain-trust serve` runs it. Prints {@code port <n>}, then
 * {@code scheduler <virtual start instant>} once the scheduler runs. Usage: ScheduledServer <offsetMillis>
 * (the rest of its configuration comes from the environment).
 */
public final class ScheduledServer {
    public static void main(String[] args) throws Exception {
        Clock clock = Clock.offset(Clock.systemUTC(), Duration.ofMillis(Long.parseLong(args[0])));
        BrainTrust bt = BrainTrust.open(Config.fromEnvironment(), clock);
        bt.watchForChanges();
        ApiServer server = new ApiServer(bt).start();
        System.out.println("port " + server.port());
        System.out.flush();
        bt.startAutomation();
        while (!bt.schedules().overview().schedulerRunning()) {
            Thread.sleep(5);
        }
        System.out.println("scheduler " + clock.instant());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
