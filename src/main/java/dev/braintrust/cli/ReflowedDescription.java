package dev.braintrust.cli;

import picocli.CommandLine;

import java.util.ArrayList;
import java.util.List;

/**
 * The description section of a command's help. Descriptions are written as source lines of any length; picocli
 * prints each element as a line of its own and wraps it at the help width (80), which cut every long line into a
 * long and a short one. Here the lines of a paragraph are joined and wrapped as one text. A line that starts with
 * a space (an example, a table) stays as written, and an empty one separates paragraphs.
 */
final class ReflowedDescription implements CommandLine.IHelpSectionRenderer {
    @Override
    public String render(CommandLine.Help help) {
        CommandLine.Model.UsageMessageSpec usage = help.commandSpec().usageMessage();
        return String.join("", lines(usage.description(), usage.width()).stream().map(l -> l + System.lineSeparator()).toList());
    }

    static List<String> lines(String[] source, int width) {
        List<String> out = new ArrayList<>();
        StringBuilder paragraph = new StringBuilder();
        for (String line : source) {
            if (line.isEmpty() || Character.isWhitespace(line.charAt(0))) {
                wrap(paragraph, width, out);
                out.add(line);
            } else {
                paragraph.append(paragraph.isEmpty() ? "" : " ").append(line.strip());
            }
        }
        wrap(paragraph, width, out);
        return out;
    }

    private static void wrap(StringBuilder paragraph, int width, List<String> out) {
        StringBuilder line = new StringBuilder();
        for (String word : paragraph.toString().split(" +")) {
            if (word.isEmpty()) {
                continue;
            }
            if (!line.isEmpty() && line.length() + 1 + word.length() > width) {
                out.add(line.toString());
                line.setLength(0);
            }
            line.append(line.isEmpty() ? "" : " ").append(word);
        }
        if (!line.isEmpty()) {
            out.add(line.toString());
        }
        paragraph.setLength(0);
    }
}
