package dev.braintrust.sync;

import dev.braintrust.BrainTrustException;
import dev.braintrust.history.History;
import dev.braintrust.history.HistoryPage;
import dev.braintrust.history.PastRevision;
import dev.braintrust.history.RepositoryHistory;
import dev.braintrust.history.RestoreResult;
import dev.braintrust.history.VersionDiff;
import dev.braintrust.history.VersionFiles;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;

import java.io.IOException;
import java.time.Clock;
import java.util.List;

/**
 * Cloud mode's history: the mirror's commits ({@link History#SYNC}). A replay of a revision gets that commit's
 * context and a checkout of its skills, kept until the replay ends. Going back is a pin, not a restore: the
 * repository is the truth.
 */
final class MirrorHistory implements History {
    static final String PIN_ADVICE = "this server is in cloud mode: the git repository is the source of truth, so files "
            + "are not written back here. To serve version {id} until you say otherwise, pin the server to it: "
            + "'brain-trust pin {id}' (POST /api/v1/sync/pin); to change the files, commit to the repository and push";

    private final GitMirror mirror;
    private final RepositoryHistory commits;

    MirrorHistory(GitMirror mirror, dev.braintrust.context.ContextLimits limits, Clock clock) {
        this.mirror = mirror;
        this.commits = new RepositoryHistory(mirror::repository, mirror::timelineStarts, mirror::servedCommit, SYNC, false,
                HistoryPage.PIN, PIN_ADVICE, limits, clock);
    }

    @Override
    public HistoryPage list(String file, int limit, int offset) {
        return commits.list(file, limit, offset);
    }

    @Override
    public VersionFiles files(String id) {
        return commits.files(id);
    }

    @Override
    public VersionDiff diff(String from, String to) {
        return commits.diff(from, to);
    }

    @Override
    public byte[] read(String id, String path) {
        return commits.read(id, path);
    }

    @Override
    public PastRevision open(String revision) {
        PastRevision context = commits.open(revision);
        RevCommit commit;
        try (RevWalk walk = new RevWalk(mirror.repository())) {
            commit = walk.parseCommit(org.eclipse.jgit.lib.ObjectId.fromString(context.revision()));
        } catch (IOException e) {
            throw new BrainTrustException.Unavailable("cannot read commit " + revision + ": " + e.getMessage(), e);
        }
        GitMirror.Lease lease = mirror.lease(commit);
        return new PastRevision(context.context(), lease.folder().resolve("skills"), lease.release());
    }

    @Override
    public RestoreResult restore(String id, List<String> files) {
        return commits.restore(id, files);
    }

    @Override
    public String now() {
        return commits.now();
    }
}
