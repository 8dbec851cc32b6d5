package dev.braintrust.workflow;

import java.nio.file.Path;

/**
 * A workflow file in {@code workflows/}.
 *
 * @param name    the file stem, by which it is run
 * @param title   the {@code name} field inside the JSON, or the stem
 * @param file    the file
 * @param problem null when the file is a JSON object, else one line saying what is wrong and what to do
 */
public record SavedWorkflow(String name, String title, Path file, String problem) {
    public boolean usable() {
        return problem == null;
    }
}
