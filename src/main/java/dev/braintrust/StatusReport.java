package dev.braintrust;

import dev.braintrust.skills.SkippedScript;
import dev.braintrust.sync.SyncStatus;
import dev.braintrust.workflow.ModelStatus;
import dev.braintrust.workflow.PrivacyReport;
import dev.braintrust.workflow.SavedWorkflow;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * Everything {@code brain-trust status} and {@code GET /api/v1/status} report. Never holds a secret:
 * providers are listed by name only.
 *
 * @param mode           "local" or "cloud"
 * @param sourceOfTruth  in words, e.g. "the folder /home/me/.pai" or "the git repository https://… (branch main)"
 * @param contextFiles   names of the context files loaded, in load order
 * @param missing        expected context files that are missing
 * @param warnings       problems with the home, one line each, saying what to do
 * @param providers      model providers that can be used now (have a key; Ollama when it answers)
 * @param sync           cloud mode: the mirror's state and the last sync (time, revision, outcome, error); null in local mode
 * @param models         the default model (can it run, and how to fix it), the Ollama server, the model aliases
 * @param timeZone       the server's time zone (IANA id): the journal's days and the times it shows follow it
 * @param privacy        each context file's tier, and per agent of the saved workflows which files it receives
 *                       and which are withheld
 * @param prices         the price table: its currency and how many models it prices (null currency: no table)
 * @param dailyBudget    BRAIN_TRUST_DAILY_BUDGET; null when unset
 */
public record StatusReport(
        String mode,
        Path home,
        String sourceOfTruth,
        String revision,
        Instant contextLoadedAt,
        List<String> contextFiles,
        List<String> missing,
        List<String> skills,
        List<SkippedScript> skippedSkills,
        List<String> workflows,
        List<String> warnings,
        List<String> providers,
        SyncStatus sync,
        ModelStatus models,
        String timeZone,
        PrivacyReport privacy,
        PriceTable prices,
        Config.DailyBudget dailyBudget) {

    /** The price table as status shows it. */
    public record PriceTable(java.nio.file.Path file, String currency, boolean empty) {
    }

    public StatusReport {
        contextFiles = List.copyOf(contextFiles);
        missing = List.copyOf(missing);
        skills = List.copyOf(skills);
        skippedSkills = List.copyOf(skippedSkills);
        workflows = List.copyOf(workflows);
        warnings = List.copyOf(warnings);
        providers = List.copyOf(providers);
    }
}
