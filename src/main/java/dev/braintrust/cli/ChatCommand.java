package dev.braintrust.cli;

import dev.braintrust.BrainTrust;
import dev.braintrust.BrainTrustException;
import dev.braintrust.workflow.AgentChat;
import dev.braintrust.workflow.ChatReply;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

@Command(name = "chat", mixinStandardHelpOptions = true,
        description = {"Send one message to one agent, which gets your context (TELOS) and your skills as tools.",
                "The message is the arguments, or standard input when there are none or it is '-'.",
                "Example: brain-trust chat --model claude-sonnet-4-5 'What should I focus on this week?'"})
final class ChatCommand extends BaseCommand {
    @Parameters(arity = "0..*", paramLabel = "<message>", description = "The message (words are joined with spaces).")
    List<String> words = List.of();

    @Option(names = "--model", paramLabel = "<model>", description = "The model (default BRAIN_TRUST_DEFAULT_MODEL).")
    String model;

    @Option(names = "--backstory", paramLabel = "<text>", description = "The agent's instructions, after your context.")
    String backstory;

    @Option(names = "--name", paramLabel = "<name>", description = "The agent's name, for the journal (default Assistant).")
    String name;

    @Option(names = "--context", paramLabel = "<text>", description = "Extra material the message is about.")
    String context;

    @Option(names = "--json", description = "Print the reply as JSON (response, agent, model, runId, revision).")
    boolean json;

    @Override
    public Integer call() throws Exception {
        String message = words.isEmpty() || words.equals(List.of("-")) ? readStdin() : String.join(" ", words);
        AgentChat chat = new AgentChat(message, AgentChat.agent(name, backstory, model), context);
        try (BrainTrust bt = openCreatingHome(config())) {
            ChatReply reply = bt.runs().chat(chat);
            if (json) {
                out().println(RunCommand.pretty().writeValueAsString(reply));
            } else {
                out().println(reply.response() == null ? "" : reply.response().strip());
            }
            out().flush();
            return Main.OK;
        }
    }

    private static String readStdin() {
        try {
            InputStream in = System.in;
            byte[] bytes = in.readNBytes(AgentChat.MAX_CHARS * 4 + 1);
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new BrainTrustException.BadInput("cannot read the message from standard input: " + e.getMessage());
        }
    }
}
