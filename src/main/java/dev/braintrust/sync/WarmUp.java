package dev.braintrust.sync;

import dev.braintrust.Config;
import dev.braintrust.Secret;
import dev.braintrust.journal.Journal;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.TreeFormatter;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;

/**
 * Runs the path of a push a few times over at start-up, on a repository of its own in a throw-away
 * folder: a signed delivery to a webhook, the sync it asks for (objects, checkout, working tree, refs),
 * the context read from the new commit, the journal and status files. A server that restarts nightly
 * would otherwise meet its first push with that code neither loaded nor compiled: about three times
 * as slow as the next ones. It runs on the sync thread after the start's sync, so it never delays
 * {@code /health} or {@code /ready}, and never runs beside a sync of the mirror but one asked for by
 * a request meanwhile. Nothing of it reaches the home's repository, journal or status. Its folder stays
 * until {@link #deleteScratch} (the sync service calls it when it closes): deleting its ~250 files takes
 * tens of milliseconds, and a first push right after start came just then.
 */
final class WarmUp {
    private static final Logger log = LoggerFactory.getLogger(WarmUp.class);
    private static final String BRANCH = "main";

    private WarmUp() {
    }

    /**
     * Runs {@code pushes} pushes in {@code scratch} (emptied first, then left for {@link #deleteScratch}), fewer when
     * {@code stop} says so before one, handing the webhook's answer to each and the context then read to {@code rendering}.
     * Never throws: a failure is logged at debug level and only means that the first real push is slower.
     */
    static void run(Path scratch, int pushes, java.util.function.BooleanSupplier stop, PushRendering rendering) {
        long t0 = System.nanoTime();
        boolean warmed = false;
        int ran = 0;
        try {
            CheckoutStore.deleteTree(scratch);
            Path remoteDir = scratch.resolve("remote.git");
            Path home = scratch.resolve("home");
            Secret secret = Secret.ofNullable(UUID.randomUUID().toString());
            try (Repository remote = new FileRepositoryBuilder().setGitDir(remoteDir.toFile()).setBare().build()) {
                remote.create(true);
                push(remote, 0);
                Git.cloneRepository().setURI(remoteDir.toString()).setDirectory(home.toFile()).setBranch(BRANCH).call().close();
                Config config = Config.fromEnv(Map.of("HOME", scratch.toString(), "PAI_HOME", home.toString(),
                        "BRAIN_TRUST_GIT_URL", remoteDir.toString(), "BRAIN_TRUST_GIT_BRANCH", BRANCH));
                try (GitMirror mirror = GitMirror.open(home, GitRemote.of(config));
                     SyncService service = new SyncService(mirror, new Journal(home.resolve("logs"), Clock.systemUTC()),
                             () -> { }, Duration.ZERO, secret, Clock.systemUTC(), true)) {
                    mirror.sync("warm-up");
                    var context = mirror.contextSource(Clock.systemUTC());
                    for (int i = 1; i <= pushes && !stop.getAsBoolean(); i++) {
                        ran = i;
                        String after = push(remote, i).name();
                        byte[] body = ("{\"ref\":\"refs/heads/" + BRANCH + "\",\"after\":\"" + after + "\"}")
                                .getBytes(StandardCharsets.UTF_8);
                        WebhookResponse answer = service.handleWebhook(Map.of("Content-Type", "application/json",
                                "X-GitHub-Event", "push", "X-GitHub-Delivery", "warm-up-" + i,
                                "X-Hub-Signature-256", "sha256=" + sign(secret, body)), new ByteArrayInputStream(body));
                        if (answer.status() != 200) {
                            throw new IllegalStateException("the warm-up delivery was answered " + answer.status() + ": " + answer.body());
                        }
                        rendering.webhookAnswer(answer.body());
                        rendering.context(context.load());
                    }
                }
            }
            warmed = true;
        } catch (Exception | LinkageError e) {
            log.debug("warming the sync path up failed (the first push will be slower): {}", e.toString());
        }
        if (warmed) {
            log.info("warmed the sync path up with {} push(es) in {} ms (off the request path, so that the first push after "
                    + "start finds that code loaded){}", ran, (System.nanoTime() - t0) / 1_000_000,
                    ran < pushes ? "; stopped after " + ran + " of " + pushes + ": a real sync came" : "");
        }
    }

    /** Deletes what {@link #run} left in {@code scratch}, if anything. Never throws: a failure is logged at debug level. */
    static void deleteScratch(Path scratch) {
        try {
            CheckoutStore.deleteTree(scratch);
        } catch (Exception e) {
            log.debug("cannot delete the warm-up's folder {}: {}", scratch, e.getMessage());
        }
    }

    /** Commits a change to context/GOALS.md straight into the remote's objects and moves its branch. */
    private static ObjectId push(Repository remote, int n) throws Exception {
        try (ObjectInserter inserter = remote.newObjectInserter()) {
            TreeFormatter context = new TreeFormatter();
            context.append("GOALS.md", FileMode.REGULAR_FILE, inserter.insert(Constants.OBJ_BLOB,
                    ("# Goals\n\nrevision " + n + "\n" + "lorem ipsum ".repeat(200)).getBytes(StandardCharsets.UTF_8)));
            context.append("MISSION.md", FileMode.REGULAR_FILE, inserter.insert(Constants.OBJ_BLOB,
                    "# Mission\n\nwarm-up\n".getBytes(StandardCharsets.UTF_8)));
            TreeFormatter root = new TreeFormatter();
            root.append("context", FileMode.TREE, inserter.insert(context));
            CommitBuilder commit = new CommitBuilder();
            commit.setTreeId(inserter.insert(root));
            PersonIdent who = new PersonIdent("Brain Trust", "warm-up@localhost");
            commit.setAuthor(who);
            commit.setCommitter(who);
            commit.setMessage("warm-up " + n + "\n");
            ObjectId parent = remote.resolve(Constants.R_HEADS + BRANCH);
            if (parent != null) {
                commit.setParentId(parent);
            }
            ObjectId id = inserter.insert(commit);
            inserter.flush();
            RefUpdate update = remote.updateRef(Constants.R_HEADS + BRANCH);
            update.setNewObjectId(id);
            update.setForceUpdate(true);
            update.forceUpdate();
            return id;
        }
    }

    private static String sign(Secret secret, byte[] body) {
        return HexFormat.of().formatHex(WebhookSignature.hmacSha256(secret, body));
    }
}
