package dev.braintrust.cli;

import dev.braintrust.BrainTrust;
import dev.braintrust.Json;
import dev.braintrust.journal.RunRecord;
import dev.braintrust.journal.ScheduleFire;
import dev.braintrust.schedule.ScheduleService;
import dev.braintrust.workflow.RunHandle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;

@Command(name = "schedules", mixinStandardHelpOptions = true,
        header = "List the schedules and triggers of your saved workflows, or pause, resume or run one now.",
        description = {"List the schedules and triggers of your saved workflows: the next five fires of each in its",
                "time zone, the last runs, and the fires that were skipped, with why (an overlap, a missed fire, the",
                "day's budget spent). A workflow declares them with",
                "\"schedule\": {\"cron\": \"0 7 * * 1-5\", \"timezone\": \"Europe/Berlin\"} and \"on\": [...] (see the README)."},
        subcommands = {SchedulesCommand.Pause.class, SchedulesCommand.Resume.class, SchedulesCommand.RunNow.class})
final class SchedulesCommand extends BaseCommand {
    static final DateTimeFormatter SHOWN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm xxx");

    @Option(names = "--json", description = "Print everything as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        try (BrainTrust bt = open(config())) {
            ScheduleService.Overview all = bt.schedules().overview();
            if (json) {
                out().println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(all));
                return Main.OK;
            }
            if (all.schedules().isEmpty() && all.triggers().isEmpty() && all.problems().isEmpty()) {
                out().println("No schedules or triggers. Add \"schedule\": {\"cron\": \"0 7 * * 1-5\", \"timezone\": \"Europe/Berlin\"} "
                        + "to a workflow in " + bt.home().workflows() + ".");
            }
            for (ScheduleService.ScheduleView s : all.schedules()) {
                out().println(s.id() + " — " + s.cron() + " (" + s.timezone() + "), missed: " + s.missed() + ", overlap: " + s.overlap()
                        + (s.paused() ? "  [paused]" : ""));
                out().println("    next:     " + String.join(", ", s.nextFires().stream()
                        .map(t -> SHOWN.format(java.time.OffsetDateTime.parse(t))).toList()));
                print(s.recent(), ZoneId.of(s.timezone()));
            }
            if (!all.triggers().isEmpty()) {
                out().println("Triggers:");
            }
            for (ScheduleService.TriggerView t : all.triggers()) {
                out().println(t.id() + " — " + (t.webhook() == null
                        ? "when " + (t.files().isEmpty() ? "any context file" : String.join(", ", t.files())) + " changes"
                        : "POST " + t.url() + " (" + t.secretVariable() + (t.secretSet() ? " is set)" : " is NOT set: it answers 503)")));
                print(t.recent(), ZoneId.systemDefault());
            }
            if (!all.problems().isEmpty()) {
                out().println("Problems:");
                all.problems().forEach(p -> out().println("  - " + p));
            }
            return all.problems().isEmpty() ? Main.OK : Main.BAD_INPUT;
        }
    }

    private void print(List<ScheduleFire> fires, ZoneId zone) {
        fires.stream().filter(f -> !f.skipped()).limit(3).forEach(f -> out().println("    ran:      "
                + SHOWN.format(f.fireAt().atZone(zone)) + " " + f.kind() + " — " + f.outcome()
                + (f.runId() == null ? "" : ", run " + f.runId()) + (f.detail() == null ? "" : " (" + f.detail() + ")")));
        fires.stream().filter(ScheduleFire::skipped).limit(5).forEach(f -> out().println("    skipped:  "
                + SHOWN.format(f.fireAt().atZone(zone)) + " " + f.reason() + (f.detail() == null ? "" : " — " + f.detail())));
    }

    @Command(name = "pause", mixinStandardHelpOptions = true,
            description = "Pause a schedule (for every server sharing the run database); its fires are recorded as skipped.")
    static final class Pause extends BaseCommand {
        @Parameters(index = "0", paramLabel = "<id>", description = "The schedule's id, as 'brain-trust schedules' lists it.")
        String id;

        @Override
        public Integer call() {
            try (BrainTrust bt = open(config())) {
                bt.schedules().setPaused(id, true, "cli");
                out().println("Paused " + id + ".");
                return Main.OK;
            }
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true, description = "Resume a paused schedule: its next fire runs.")
    static final class Resume extends BaseCommand {
        @Parameters(index = "0", paramLabel = "<id>", description = "The schedule's id.")
        String id;

        @Override
        public Integer call() {
            try (BrainTrust bt = open(config())) {
                ScheduleService.ScheduleView s = bt.schedules().setPaused(id, false, "cli");
                out().println("Resumed " + id + "; next fire " + (s.nextFires().isEmpty() ? "never" : s.nextFires().get(0)) + ".");
                return Main.OK;
            }
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = {"Run a schedule's workflow now, here, with its input (recorded as a manual fire).",
                    "Exit codes: 0 succeeded (or waits for an approval), 1 failed."})
    static final class RunNow extends BaseCommand {
        @Parameters(index = "0", paramLabel = "<id>", description = "The schedule's id.")
        String id;

        @Override
        public Integer call() throws Exception {
            try (BrainTrust bt = open(config())) {
                RunHandle handle = bt.schedules().runNow(id);
                err().println("Started run " + handle.id() + ".");
                err().flush();
                return ApproveCommand.follow(bt, handle.id(), this);
            }
        }
    }

    static String shown(RunRecord run) {
        return run.finalOutput() == null ? "" : run.finalOutput();
    }
}
