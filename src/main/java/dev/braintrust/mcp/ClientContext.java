package dev.braintrust.mcp;

import dev.braintrust.BrainTrust;
import dev.braintrust.context.ContextFile;
import dev.braintrust.context.ContextSelection;
import dev.braintrust.context.Privacy;

import java.util.Optional;

/**
 * The context MCP clients are given. A client is not a model, so its clearance is a setting:
 * BRAIN_TRUST_MCP_PRIVACY, {@code public} (default: public files only) or {@code local} (public and
 * local files). {@code privacy: never} files are never handed out. Every resource, prompt and tool
 * that hands out context reads it through {@link #now()}, never from the whole snapshot; a file's
 * front matter is never part of its text.
 */
final class ClientContext {
    private final BrainTrust bt;

    ClientContext(BrainTrust bt) {
        this.bt = bt;
    }

    /** The part of the current snapshot clients may receive (its revision is the snapshot's). */
    ContextSelection now() {
        return bt.context().select(bt.config().egress().mcpPrivacy());
    }

    /** A file clients may receive, by name with or without {@code .md}; empty when none of that name may go out. */
    static Optional<ContextFile> file(ContextSelection selection, String name) {
        return selection.received().stream().filter(f -> f.name().equals(name) || f.name().equals(name + ".md")).findFirst();
    }

    /**
     * Why a file of the snapshot is not handed out, naming its tier and what would change that; empty when
     * no withheld file has that name.
     */
    static Optional<String> refusal(ContextSelection selection, String name) {
        return selection.withheld().stream().filter(w -> w.name().equals(name) || w.name().equals(name + ".md")).findFirst()
                .map(w -> w.privacy() == Privacy.NEVER
                        ? "context/" + w.name() + " is marked 'privacy: never': it is never handed out, to MCP clients or to models"
                        : "context/" + w.name() + " is marked 'privacy: local': MCP clients receive it only when the server "
                        + "is started with BRAIN_TRUST_MCP_PRIVACY=local");
    }
}
