package dev.braintrust.sync;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Watches the home's {@code context/}, {@code skills/} and {@code workflows/} folders and calls
 * back on any change: create, modify, delete, rename (editors that save by writing a temporary
 * file and renaming it over the original included). It also watches the home itself, so a
 * folder that is deleted and created again is watched again. On Linux the JDK's watch service
 * is backed by inotify, so a change is reported within milliseconds.
 */
public final class FolderWatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FolderWatcher.class);
    private static final WatchEvent.Kind<?>[] KINDS = {
            StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
            StandardWatchEventKinds.ENTRY_DELETE};

    private final Path root;
    private final List<String> folders;
    private final Runnable onChange;
    private final WatchService service;
    private final Map<WatchKey, Path> keys = new ConcurrentHashMap<>();
    private final Thread thread;

    /**
     * Starts watching at once.
     *
     * @param root     the home
     * @param folders  names of the folders under {@code root} to watch
     * @param onChange called from the watcher's thread after every batch of events; must be quick
     */
    public FolderWatcher(Path root, List<String> folders, Runnable onChange) throws IOException {
        this.root = root;
        this.folders = List.copyOf(folders);
        this.onChange = onChange;
        this.service = FileSystems.getDefault().newWatchService();
        register(root);
        for (String folder : folders) {
            registerIfPresent(root.resolve(folder));
        }
        this.thread = new Thread(this::loop, "home-watcher");
        thread.setDaemon(true);
        thread.start();
    }

    private void register(Path dir) throws IOException {
        keys.put(dir.register(service, KINDS), dir);
    }

    private void registerIfPresent(Path dir) {
        if (Files.isDirectory(dir) && !keys.containsValue(dir)) {
            try {
                register(dir);
            } catch (IOException e) {
                log.warn("cannot watch {}: {}; changes there are seen only after the cache TTL", dir, e.getMessage());
            }
        }
    }

    private void loop() {
        try {
            while (true) {
                WatchKey key = service.take();
                Path dir = keys.get(key);
                boolean relevant = false;
                for (WatchEvent<?> event : key.pollEvents()) {
                    if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                        relevant = true;
                        continue;
                    }
                    Path name = (Path) event.context();
                    if (root.equals(dir)) {
                        if (folders.contains(name.toString())) {
                            relevant = true;
                            registerIfPresent(root.resolve(name));
                        }
                    } else {
                        relevant = true;
                    }
                }
                if (!key.reset()) {
                    keys.remove(key);
                }
                if (relevant) {
                    notifyChange();
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closed: stop watching
        }
    }

    private void notifyChange() {
        try {
            onChange.run();
        } catch (RuntimeException e) {
            log.warn("change listener failed: {}", e.toString());
        }
    }

    @Override
    public void close() {
        try {
            service.close();
        } catch (IOException e) {
            log.debug("closing the watch service: {}", e.toString());
        }
        thread.interrupt();
    }
}
