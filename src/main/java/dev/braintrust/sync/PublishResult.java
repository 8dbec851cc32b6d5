package dev.braintrust.sync;

/**
 * What {@code brain-trust publish} did.
 *
 * @param commit             the commit now at the head of the remote branch
 * @param committed          whether a new commit was made (false: the home had no change since the last publish)
 * @param author             who the new commit is by, as {@code Name <email>}; null when nothing was committed
 * @param identityConfigured whether that author came from {@code --author} or the git configuration
 *                           (user.name and user.email); false: git made one up from the system user and host name
 * @param remoteHeadWarning  why a plain {@code git clone} of the repository would not check out this branch, with
 *                           how to fix it; null when the repository's HEAD names the branch
 */
public record PublishResult(String commit, boolean committed, String author, boolean identityConfigured,
                            String remoteHeadWarning) {
}
