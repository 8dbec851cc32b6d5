package dev.braintrust.context;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The part of a snapshot one destination (a model, an MCP client) may receive, by the files'
 * privacy tiers and the destination's clearance. Made before any prompt is composed, so prompt
 * composition never sees a file it must not send.
 *
 * @param clearance {@link Privacy#PUBLIC} (cloud models, default MCP clients) or {@link Privacy#LOCAL}
 * @param snapshot  what the destination receives: the files it is cleared for; each {@code local}
 *                  file it is not cleared for replaced by {@link #WITHHELD_NOTICE} (no heading, no
 *                  name); {@code never} files left out altogether. Same revision as the source.
 * @param received  the files sent whole, in load order
 * @param withheld  the files kept back, in load order, with their tier
 */
public record ContextSelection(Privacy clearance, ContextSnapshot snapshot, List<ContextFile> received,
                               List<Withheld> withheld) {
    /** What a model that is not cleared for a {@code local} file reads in its place. */
    public static final String WITHHELD_NOTICE =
            "(A private context file was withheld here: it is only sent to models on the user's own machine or network.)";

    /** A file that was not sent, and why: its tier. */
    public record Withheld(String name, Privacy privacy) {
        public Withheld {
            Objects.requireNonNull(name);
            Objects.requireNonNull(privacy);
        }
    }

    public ContextSelection {
        Objects.requireNonNull(clearance);
        Objects.requireNonNull(snapshot);
        received = List.copyOf(received);
        withheld = List.copyOf(withheld);
    }

    /**
     * Picks the files of {@code source} a destination of {@code clearance} may receive.
     *
     * @throws IllegalArgumentException when the clearance is {@link Privacy#NEVER} (no destination has it)
     */
    public static ContextSelection of(ContextSnapshot source, Privacy clearance) {
        if (clearance == Privacy.NEVER) {
            throw new IllegalArgumentException("a destination is cleared for public or local files");
        }
        List<ContextFile> sent = new ArrayList<>();
        List<ContextFile> visible = new ArrayList<>();
        List<Withheld> withheld = new ArrayList<>();
        for (ContextFile file : source.files()) {
            if (clearance.admits(file.privacy())) {
                sent.add(file);
                visible.add(file);
            } else {
                withheld.add(new Withheld(file.name(), file.privacy()));
                if (file.privacy() == Privacy.LOCAL) {
                    visible.add(new ContextFile(file.name(), WITHHELD_NOTICE, 0, file.sha256(), file.privacy()));
                }
            }
        }
        ContextSnapshot view = withheld.isEmpty() ? source
                : new ContextSnapshot(source.revision(), source.loadedAt(), visible, source.missing(), source.warnings());
        return new ContextSelection(clearance, view, sent, withheld);
    }

    public List<String> receivedNames() {
        return received.stream().map(ContextFile::name).toList();
    }

    public String revision() {
        return snapshot.revision();
    }
}
