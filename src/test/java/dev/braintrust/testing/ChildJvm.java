package dev.braintrust.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Starts a real child JVM on the test classpath, to test what crosses process boundaries. */
public final class ChildJvm {
    private ChildJvm() {
    }

    public static ProcessBuilder builder(Class<?> mainClass, Map<String, String> extraEnv, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(extraEnv);
        return pb;
    }

    public static Process start(Class<?> mainClass, Map<String, String> extraEnv, String... args) throws IOException {
        return builder(mainClass, extraEnv, args).redirectErrorStream(true).start();
    }
}
