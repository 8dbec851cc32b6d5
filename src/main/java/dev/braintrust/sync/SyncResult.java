package dev.braintrust.sync;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The record of one sync.
 *
 * @param time         when the sync started
 * @param trigger      what asked for it: start, periodic, webhook, api, cli
 * @param outcome      updated (the revision changed), unchanged, pinned (the server stays on its pinned commit), or failed
 * @param previous     the revision before, or null when there was none (first clone)
 * @param revision     the revision after (the previous one when the sync failed)
 * @param changed      the paths that differ between the two revisions, at most {@link #MAX_LISTED_PATHS}
 * @param changedCount how many paths differ, even when the list is shortened
 * @param duration     how long the sync took
 * @param error        for a failed sync, what went wrong and what to do; never holds a credential
 * @param keptAside    local edits the sync would have overwritten, moved aside first; null when there were none
 * @param steps        how long each step took (see {@link SyncSteps}); null when not measured
 */
public record SyncResult(Instant time, String trigger, Outcome outcome, String previous, String revision,
                         List<String> changed, int changedCount, Duration duration, String error, KeptAside keptAside,
                         SyncSteps steps) {
    public static final int MAX_LISTED_PATHS = 1000;

    public enum Outcome { UPDATED, UNCHANGED, FAILED, PINNED }

    public SyncResult {
        Objects.requireNonNull(time);
        Objects.requireNonNull(trigger);
        Objects.requireNonNull(outcome);
        Objects.requireNonNull(duration);
        changed = List.copyOf(changed.size() > MAX_LISTED_PATHS ? changed.subList(0, MAX_LISTED_PATHS) : changed);
        if (outcome == Outcome.FAILED && (error == null || error.isBlank())) {
            throw new IllegalArgumentException("a failed sync says why");
        }
    }

    public SyncResult(Instant time, String trigger, Outcome outcome, String previous, String revision,
                      List<String> changed, int changedCount, Duration duration, String error, KeptAside keptAside) {
        this(time, trigger, outcome, previous, revision, changed, changedCount, duration, error, keptAside, null);
    }

    public SyncResult(Instant time, String trigger, Outcome outcome, String previous, String revision,
                      List<String> changed, int changedCount, Duration duration, String error) {
        this(time, trigger, outcome, previous, revision, changed, changedCount, duration, error, null, null);
    }

    /** This record with the local edits a later step moved aside. */
    SyncResult withKeptAside(KeptAside kept) {
        return new SyncResult(time, trigger, outcome, previous, revision, changed, changedCount, duration, error, kept, steps);
    }

    /** This record with {@code more} steps after its own. */
    SyncResult withSteps(SyncSteps more) {
        return new SyncResult(time, trigger, outcome, previous, revision, changed, changedCount, duration, error, keptAside,
                steps == null ? more : steps.plus(more));
    }

    static SyncResult failed(Instant time, String trigger, String revision, Duration duration, String error) {
        return new SyncResult(time, trigger, Outcome.FAILED, revision, revision, List.of(), 0, duration, error);
    }

    public boolean failed() {
        return outcome == Outcome.FAILED;
    }

    /** True when the sync moved the mirror to another commit. */
    public boolean revisionChanged() {
        return outcome == Outcome.UPDATED;
    }

    public long durationMs() {
        return duration.toMillis();
    }

    /** The answer of the webhook and of {@code POST /api/v1/sync} for a sync that succeeded. */
    public Map<String, Object> toResponse() {
        return toResponse(null);
    }

    /** As {@link #toResponse()}, the steps of {@code before} (the webhook's own) listed ahead of the sync's. */
    Map<String, Object> toResponse(SyncSteps before) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", failed() ? "failed" : outcome == Outcome.PINNED ? "pinned" : "synced");
        body.put("revision", revision);
        body.put("previous", previous);
        body.put("changed", changed);
        if (changedCount > changed.size()) {
            body.put("changedCount", changedCount);
        }
        body.put("durationMs", durationMs());
        if (keptAside != null) {
            body.put("keptAside", keptAside);
        }
        if (failed()) {
            body.put("error", error);
        }
        SyncSteps all = before == null ? steps : before.plus(steps);
        if (all != null) {
            body.put("stepsMs", all.toMillis());
        }
        return body;
    }
}
