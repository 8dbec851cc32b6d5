// Drives Brain Trust's MCP server with the official TypeScript SDK (@modelcontextprotocol/sdk), a client
// nobody here wrote. Run by McpTypeScriptClientTest; prints one JSON object per line on stdout.
//   node mcp-client.mjs http   (MCP_URL, MCP_KEY)
//   node mcp-client.mjs stdio  (MCP_COMMAND: a JSON array, the command and its arguments; MCP_ENV: a JSON object)
// After subscribing it prints {"step":"subscribed"} and waits for resources/updated: the test edits the file then.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ResourceUpdatedNotificationSchema, ResourceListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';

const mode = process.argv[2];
const print = (step, data = {}) => process.stdout.write(JSON.stringify({ step, ...data }) + '\n');

function transport() {
  if (mode === 'http') {
    return new StreamableHTTPClientTransport(new URL(process.env.MCP_URL), {
      requestInit: { headers: { Authorization: `Bearer ${process.env.MCP_KEY}` } },
    });
  }
  const [command, ...args] = JSON.parse(process.env.MCP_COMMAND);
  return new StdioClientTransport({ command, args, env: JSON.parse(process.env.MCP_ENV), stderr: 'inherit' });
}

function waitFor(list, predicate, what, ms = 30000) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      const found = list.find(predicate);
      if (found) {
        clearInterval(timer);
        resolve(found);
      } else if (Date.now() - started > ms) {
        clearInterval(timer);
        reject(new Error(`timed out waiting for ${what}`));
      }
    }, 20);
  });
}

const client = new Client({ name: 'typescript-sdk-test', version: '1.0.0' });
const updated = [];
const listChanged = [];
client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => { updated.push(n.params.uri); });
client.setNotificationHandler(ResourceListChangedNotificationSchema, () => { listChanged.push(Date.now()); });

try {
  await client.connect(transport());
  print('connected', { server: client.getServerVersion()?.name });

  const resources = await client.listResources();
  print('resources', { uris: resources.resources.map((r) => r.uri) });

  const mission = await client.readResource({ uri: 'brain-trust://context/MISSION.md' });
  print('mission', { text: mission.contents[0].text, revision: mission.contents[0]._meta?.revision });

  const telos = await client.readResource({ uri: 'brain-trust://telos' });
  print('telos', { text: telos.contents[0].text });

  await client.subscribeResource({ uri: 'brain-trust://context/MISSION.md' });
  print('subscribed');
  await waitFor(updated, (uri) => uri === 'brain-trust://context/MISSION.md', 'resources/updated');
  const edited = await client.readResource({ uri: 'brain-trust://context/MISSION.md' });
  print('updated', { text: edited.contents[0].text, revision: edited.contents[0]._meta?.revision });

  const prompts = await client.listPrompts();
  print('prompts', { names: prompts.prompts.map((p) => p.name) });
  const prompt = await client.getPrompt({ name: 'with-my-context', arguments: { instructions: 'Answer as my editor.' } });
  print('prompt', { text: prompt.messages[0].content.text });

  const tools = await client.listTools();
  print('tools', { names: tools.tools.map((t) => t.name) });
  const counted = await client.callTool({ name: 'word_count', arguments: { text: 'one two three four five' } });
  print('word_count', { text: counted.content[0].text, isError: counted.isError ?? false });

  const ran = await client.callTool({ name: 'run_workflow', arguments: { name: 'research-brief', input: 'wind kites' } },
    undefined, { timeout: 120000 });
  print('run_workflow', { text: ran.content[0].text, structured: ran.structuredContent ?? null, isError: ran.isError ?? false });

  await client.close();
  print('done');
} catch (e) {
  print('error', { message: String(e?.stack ?? e) });
  process.exitCode = 1;
  await client.close().catch(() => {});
}
