package dev.braintrust.schedule;

import com.github.difflib.DiffUtils;
import com.github.difflib.UnifiedDiffUtils;
import dev.braintrust.context.ContextFile;
import dev.braintrust.context.ContextSnapshot;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/** What changed between two context snapshots: the files, and their unified diff (java-diff-utils). */
final class ContextDiff {
    static final int MAX_DIFF_CHARS = 64 * 1024;

    private ContextDiff() {
    }

    /** The names of the files added, removed or changed, in snapshot order. */
    static List<String> changedFiles(ContextSnapshot before, ContextSnapshot after) {
        Set<String> names = new LinkedHashSet<>();
        after.files().forEach(f -> names.add(f.name()));
        before.files().forEach(f -> names.add(f.name()));
        List<String> changed = new ArrayList<>();
        for (String name : names) {
            String was = before.file(name).map(ContextFile::sha256).orElse(null);
            String is = after.file(name).map(ContextFile::sha256).orElse(null);
            if (!Objects.equals(was, is)) {
                changed.add(name);
            }
        }
        return changed;
    }

    /** The unified diff of these files ({@code a/GOALS.md} → {@code b/GOALS.md}, three lines of context), shortened past 64 KiB. */
    static String unified(ContextSnapshot before, ContextSnapshot after, List<String> files) {
        StringBuilder out = new StringBuilder();
        for (String name : files) {
            List<String> was = before.file(name).map(f -> f.content().lines().toList()).orElse(List.of());
            List<String> is = after.file(name).map(f -> f.content().lines().toList()).orElse(List.of());
            String from = before.file(name).isPresent() ? "a/" + name : "/dev/null";
            String to = after.file(name).isPresent() ? "b/" + name : "/dev/null";
            for (String line : UnifiedDiffUtils.generateUnifiedDiff(from, to, was, DiffUtils.diff(was, is), 3)) {
                out.append(line).append('\n');
            }
        }
        if (out.length() > MAX_DIFF_CHARS) {
            out.setLength(MAX_DIFF_CHARS);
            out.append("\n[diff shortened: over ").append(MAX_DIFF_CHARS / 1024).append(" KiB]\n");
        }
        return out.toString();
    }
}
