package dev.braintrust.cli;

import dev.braintrust.BrainTrust;
import dev.braintrust.BrainTrustException;
import dev.braintrust.home.PaiHome;
import dev.braintrust.mcp.BrainTrustMcp;
import picocli.CommandLine.Command;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;

@Command(name = "mcp", mixinStandardHelpOptions = true,
        header = "Serve this home to one MCP client (Claude Desktop, Claude Code, Cursor) over stdio.",
        description = {"Serve the home to one MCP client over stdio (Model Context Protocol), for desktop clients that start a",
                "command: Claude Desktop, Claude Code, Cursor. Offers your context files, the composed TELOS block, the",
                "journal and saved workflows as resources, with-my-context and one prompt per workflow, and your skills,",
                "run_workflow, get_context, read_journal and get_workflow as tools. Every tool call is journaled and recorded.",
                "Context files marked 'privacy: local' are handed out only with BRAIN_TRUST_MCP_PRIVACY=local; 'privacy: never' files never.",
                "It is a client of the home: it never syncs and never migrates the run database, so it runs beside a",
                "'brain-trust serve' of the same home (in cloud mode it follows the commits that server syncs to).",
                "Stops when the client closes standard input. Logs go to standard error; standard output is the protocol's.",
                "The running server offers the same over Streamable HTTP at /mcp (see the README)."})
final class McpCommand extends BaseCommand {

    @Override
    public Integer call() throws InterruptedException {
        try (BrainTrust bt = openClient()) {
            try {
                bt.context().snapshot();
            } catch (BrainTrustException.Unavailable e) {
                throw new BrainTrustException.BadConfig("the home has no context to serve yet (" + e.getMessage() + "); in "
                        + "cloud mode start 'brain-trust serve' or run 'brain-trust sync --once' first, which clone it", e);
            }
            bt.watchForChanges(); // local mode: the file watcher; cloud mode: follows the server's syncs
            try (BrainTrustMcp mcp = BrainTrustMcp.over(bt)) {
                InputStream in = System.in;
                OutputStream out = new FileOutputStream(FileDescriptor.out);
                mcp.serveStdio(in, out);
            }
        }
        return Main.OK;
    }

    /** As {@link #open}, as a client of the home. */
    private BrainTrust openClient() {
        dev.braintrust.Config config = config();
        PaiHome home = new PaiHome(config.home());
        home.checkUsable();
        if (!home.isInitialized() && !config.cloudMode()) {
            throw new BrainTrustException.BadConfig("no Brain Trust home at " + home.root()
                    + "; run 'brain-trust init' to create one with examples (or set PAI_HOME)");
        }
        return BrainTrust.openAsClient(config);
    }
}
