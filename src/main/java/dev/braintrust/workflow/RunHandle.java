package dev.braintrust.workflow;

import dev.braintrust.journal.RunRecord;

import java.util.concurrent.CompletableFuture;

/** A started run: its id, and its record when it has finished (whatever the outcome; never completed exceptionally). */
public record RunHandle(String id, String revision, CompletableFuture<RunRecord> result) {
}
