package dev.braintrust.sync;

import dev.braintrust.BrainTrustException;
import dev.braintrust.home.PaiHome;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.Status;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.api.errors.InvalidRemoteException;
import org.eclipse.jgit.api.errors.TransportException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.StoredConfig;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.PushResult;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.RemoteRefUpdate;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code brain-trust publish <url>}: turns a local home into the content of a repository. Makes
 * the home a git repository when it is not one, ignores {@code logs/} and {@code state/}, commits
 * {@code context/}, {@code skills/} (executable bits kept) and {@code workflows/}, and pushes the
 * branch. Never forces: a repository whose branch has other history is refused with what to do.
 * Afterwards the home tracks the remote branch ({@code origin/<branch>} exists, so {@code git status}
 * compares with it), and a repository whose HEAD names another branch is reported.
 */
final class Publisher {
    static final String IGNORE = "/logs/\n/state/\n";

    private final Path home;
    private final GitRemote remote;
    private final GitTransport transport;
    private final PersonIdent author;

    /** @param author who commits; null for git's configured identity (user.name, user.email) */
    Publisher(Path home, GitRemote remote, GitTransport transport, PersonIdent author) {
        this.home = home;
        this.remote = remote;
        this.transport = transport;
        this.author = author;
    }

    PublishResult publish() {
        PaiHome paiHome = new PaiHome(home);
        paiHome.checkUsable();
        if (!paiHome.isInitialized()) {
            throw new BrainTrustException.BadInput("no Brain Trust home at " + home + " to publish; run 'brain-trust init' "
                    + "(or set PAI_HOME to your home)");
        }
        try (Git git = openOrInit()) {
            checkOrigin(git);
            ensureIgnored();
            List<String> paths = List.of("context", "skills", "workflows", Constants.GITIGNORE_FILENAME);
            var add = git.add();
            var addRemovals = git.add().setUpdate(true);
            for (String path : paths) {
                add.addFilepattern(path);
                addRemovals.addFilepattern(path);
            }
            add.call();
            addRemovals.call();
            Status status = git.status().call();
            boolean unborn = git.getRepository().resolve(Constants.HEAD) == null;
            boolean commit = unborn || !status.getAdded().isEmpty() || !status.getChanged().isEmpty() || !status.getRemoved().isEmpty();
            PersonIdent by = author != null ? author : new PersonIdent(git.getRepository());
            if (commit) {
                git.commit().setMessage(unborn ? "Publish the Brain Trust home" : "Update the Brain Trust home")
                        .setAuthor(by).setCommitter(by).setSign(false).call();
            }
            StoredConfig config = git.getRepository().getConfig();
            config.setString("remote", "origin", "url", remote.url());
            config.setString("remote", "origin", "fetch", "+refs/heads/*:refs/remotes/origin/*");
            config.setString("branch", remote.branch(), "remote", "origin");
            config.setString("branch", remote.branch(), "merge", remote.branchRef());
            config.save();
            push(git);
            ObjectId head = git.getRepository().resolve(Constants.HEAD);
            track(git, head);
            return new PublishResult(head.name(), commit, commit ? by.getName() + " <" + by.getEmailAddress() + ">" : null,
                    author != null || identityConfigured(git), remoteHeadWarning());
        } catch (GitAPIException | IOException e) {
            if (e instanceof BrainTrustException bte) {
                throw bte;
            }
            throw new BrainTrustException.Unavailable("cannot publish " + home + ": " + transport.clean(e.getMessage()), e);
        }
    }

    /** The remote-tracking branch the push would have set, had it gone through a named remote. */
    private void track(Git git, ObjectId head) throws IOException {
        RefUpdate update = git.getRepository().updateRef(Constants.R_REMOTES + "origin/" + remote.branch());
        update.setNewObjectId(head);
        update.setRefLogMessage("publish: " + remote.branchRef(), false);
        update.forceUpdate();
    }

    private static boolean identityConfigured(Git git) {
        StoredConfig config = git.getRepository().getConfig();
        return config.getString("user", null, "name") != null && config.getString("user", null, "email") != null;
    }

    /**
     * Null when the repository's HEAD names the published branch; else why a plain {@code git clone}
     * checks nothing out ("remote HEAD refers to nonexistent ref") and how to fix it on the server.
     */
    private String remoteHeadWarning() {
        Map<String, Ref> refs;
        try {
            refs = transport.configure(Git.lsRemoteRepository().setRemote(remote.url())).callAsMap();
        } catch (GitAPIException e) {
            return null; // the push went through; a listing that fails now is not worth failing the publish for
        }
        Ref head = refs.get(Constants.HEAD);
        if (head != null && head.isSymbolic() && head.getTarget().getName().equals(remote.branchRef())) {
            return null;
        }
        Ref branch = refs.get(remote.branchRef());
        if (head != null && !head.isSymbolic() && branch != null && branch.getObjectId().equals(head.getObjectId())) {
            return null; // the server does not say what HEAD names, but it is at this branch's commit
        }
        String names = head == null ? "a branch that does not exist (a repository made by 'git init --bare' names 'master')"
                : head.isSymbolic() ? "'" + Repository.shortenRefName(head.getTarget().getName()) + "'" : "another commit";
        return "the repository's HEAD names " + names + ", not '" + remote.branch() + "': a plain 'git clone' of it "
                + "warns \"remote HEAD refers to nonexistent ref\" or checks out another branch. Fix it where the repository "
                + "lives: 'git symbolic-ref HEAD " + remote.branchRef() + "' in the bare repository, or the default branch in "
                + "the hosting service's settings; or clone with 'git clone -b " + remote.branch() + "'";
    }

    private Git openOrInit() throws IOException, GitAPIException {
        if (Files.isDirectory(home.resolve(Constants.DOT_GIT))) {
            return Git.wrap(new FileRepositoryBuilder().setGitDir(home.resolve(Constants.DOT_GIT).toFile())
                    .setWorkTree(home.toFile()).setMustExist(true).build());
        }
        return Git.init().setDirectory(home.toFile()).setInitialBranch(remote.branch()).call();
    }

    private void checkOrigin(Git git) {
        String origin = git.getRepository().getConfig().getString("remote", "origin", "url");
        if (origin != null && !GitUrls.comparable(origin).equals(GitUrls.comparable(remote.url()))) {
            throw new BrainTrustException.BadInput("the home " + home + " is already connected to "
                    + GitUrls.parse(origin).cleanUrl() + "; publish to that repository, or remove its 'origin' remote first");
        }
    }

    private void ensureIgnored() throws IOException {
        Path ignore = home.resolve(Constants.GITIGNORE_FILENAME);
        String existing = Files.exists(ignore) ? Files.readString(ignore, StandardCharsets.UTF_8) : "";
        if (!existing.lines().toList().containsAll(List.of("/logs/", "/state/"))) {
            String separator = existing.isEmpty() || existing.endsWith("\n") ? "" : "\n";
            Files.writeString(ignore, existing + separator + "# Brain Trust: the journal and the run database stay on each machine\n"
                    + IGNORE, StandardCharsets.UTF_8);
        }
    }

    private void push(Git git) throws GitAPIException {
        Iterable<PushResult> results;
        try {
            results = transport.configure(git.push())
                    .setRemote(remote.url())
                    .setRefSpecs(new RefSpec(Constants.HEAD + ":" + remote.branchRef()))
                    .setForce(false)
                    .call();
        } catch (InvalidRemoteException | TransportException e) {
            throw transport.failure("push to", e);
        }
        for (PushResult result : results) {
            for (RemoteRefUpdate update : result.getRemoteUpdates()) {
                switch (update.getStatus()) {
                    case OK, UP_TO_DATE -> {
                    }
                    case REJECTED_NONFASTFORWARD, REJECTED_REMOTE_CHANGED -> throw new BrainTrustException.BadInput(
                            "the branch '" + remote.branch() + "' of " + remote.displayUrl() + " already has history this home "
                                    + "does not have; nothing was overwritten. To start from that repository, move " + home
                                    + " away and run 'brain-trust clone " + remote.displayUrl() + "'; to publish here, "
                                    + "use an empty repository or another branch (BRAIN_TRUST_GIT_BRANCH)");
                    default -> throw new BrainTrustException.Unavailable("the push to " + remote.displayUrl() + " was refused ("
                            + update.getStatus() + (update.getMessage() == null ? "" : ": " + transport.clean(update.getMessage()))
                            + ")");
                }
            }
        }
    }
}
