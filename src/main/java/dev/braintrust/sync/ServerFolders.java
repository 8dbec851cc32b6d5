package dev.braintrust.sync;

import dev.braintrust.home.PaiHome;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.treewalk.filter.TreeFilter;

/** The part of a commit the mirror puts in the home: everything but the top-level {@code logs/} and {@code state/}, which belong to the server. */
final class ServerFolders {
    /** Leaves out the top-level {@code logs/} and {@code state/} (a file of that name too). */
    static final TreeFilter EXCLUDED = new TreeFilter() {
        @Override
        public boolean include(TreeWalk walker) {
            return walker.getDepth() > 0 || !PaiHome.LOCAL_FOLDERS.contains(walker.getNameString());
        }

        @Override
        public boolean shouldBeRecursive() {
            return false;
        }

        @Override
        public TreeFilter clone() {
            return this;
        }
    };

    private ServerFolders() {
    }
}
