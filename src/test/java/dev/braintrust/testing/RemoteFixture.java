package dev.braintrust.testing;

import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.ResetCommand;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.transport.PushResult;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.RemoteRefUpdate;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A real remote for tests: a bare repository on disk, and a working clone that authors commits
 * and pushes them (plain, forced, or deleting the branch), all through JGit.
 */
public final class RemoteFixture implements AutoCloseable {
    public final Path bare;
    public final Path work;
    public final String branch;
    private final Git git;
    private int commits;

    private RemoteFixture(Path bare, Path work, String branch, Git git) {
        this.bare = bare;
        this.work = work;
        this.branch = branch;
        this.git = git;
    }

    /** A bare repository at {@code dir/remote.git} and an author's clone at {@code dir/author}. */
    public static RemoteFixture create(Path dir, String branch) {
        try {
            Path bare = dir.resolve("remote.git");
            Path work = dir.resolve("author");
            Git.init().setBare(true).setDirectory(bare.toFile()).setInitialBranch(branch).call().close();
            Git git = Git.init().setDirectory(work.toFile()).setInitialBranch(branch).call();
            git.remoteAdd().setName("origin").setUri(new org.eclipse.jgit.transport.URIish(bare.toUri().toString())).call();
            return new RemoteFixture(bare, work, branch, git);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public String url() {
        return bare.toString();
    }

    public Git git() {
        return git;
    }

    /** Writes files (path, then content; null content deletes), commits them all. */
    public String commit(String message, String... pathsAndContents) {
        Map<String, String> files = new LinkedHashMap<>();
        for (int i = 0; i + 1 < pathsAndContents.length; i += 2) {
            files.put(pathsAndContents[i], pathsAndContents[i + 1]);
        }
        return commit(message, files);
    }

    public String commit(String message, Map<String, String> files) {
        try {
            for (Map.Entry<String, String> f : files.entrySet()) {
                Path p = work.resolve(f.getKey());
                if (f.getValue() == null) {
                    Files.deleteIfExists(p);
                } else {
                    Files.createDirectories(p.getParent());
                    Files.writeString(p, f.getValue(), StandardCharsets.UTF_8);
                }
            }
            return commitAll(message);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Makes a file of the work tree executable (for skills); commit it with the next commit. */
    public void executable(String path) {
        try {
            Files.setPosixFilePermissions(work.resolve(path), PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String commitAll(String message) {
        try {
            git.add().addFilepattern(".").call();
            git.add().setUpdate(true).addFilepattern(".").call();
            PersonIdent who = new PersonIdent("Author", "author@example.org",
                    Instant.parse("2026-01-01T00:00:00Z").plusSeconds(++commits), ZoneOffset.UTC);
            RevCommit c = git.commit().setMessage(message).setAuthor(who).setCommitter(who).setSign(false)
                    .setAllowEmpty(true).call();
            return c.name();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public String commitAndPush(String message, String... pathsAndContents) {
        String id = commit(message, pathsAndContents);
        push();
        return id;
    }

    public void push() {
        push(false);
    }

    /** Pushes the branch, replacing the remote's history when {@code force}. */
    public void push(boolean force) {
        try {
            for (PushResult r : git.push().setRemote("origin")
                    .setRefSpecs(new RefSpec((force ? "+" : "") + "refs/heads/" + branch + ":refs/heads/" + branch)).call()) {
                for (RemoteRefUpdate u : r.getRemoteUpdates()) {
                    if (u.getStatus() != RemoteRefUpdate.Status.OK && u.getStatus() != RemoteRefUpdate.Status.UP_TO_DATE) {
                        throw new IllegalStateException("push refused: " + u.getStatus());
                    }
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Rewrites history: the author's branch goes back to {@code commit} (then commit and push with force). */
    public void resetTo(String commit) {
        try {
            git.reset().setMode(ResetCommand.ResetType.HARD).setRef(commit).call();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Deletes the branch on the remote. */
    public void deleteRemoteBranch() {
        try {
            git.push().setRemote("origin").setRefSpecs(new RefSpec(":refs/heads/" + branch)).call();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public String head() {
        try {
            return git.getRepository().resolve("HEAD").name();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        git.close();
    }
}
