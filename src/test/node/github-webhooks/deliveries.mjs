// Prints, one JSON object a line, webhook deliveries built from GitHub's published examples
// (@octokit/webhooks-examples) and signed with GitHub's own library (@octokit/webhooks-methods):
// {"name", "event", "contentType", "body", "signature"}. The body is exactly what goes on the wire:
// the example as JSON, or form-encoded as GitHub sends it (payload=<URL-encoded JSON>).
// Usage: node deliveries.mjs <secret>
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { sign } from "@octokit/webhooks-methods";

const secret = process.argv[2];
const require = createRequire(import.meta.url);
const index = JSON.parse(readFileSync(require.resolve("@octokit/webhooks-examples/api.github.com/index.json"), "utf8"));
const examples = (event) => index.find((e) => e.name === event).examples;

const ping = examples("ping")[0];
const branchPush = examples("push").find((p) => p.ref.startsWith("refs/heads/") && !p.deleted);
const tagPush = examples("push").find((p) => p.ref.startsWith("refs/tags/") && !p.deleted);
// The examples delete only a tag; a branch deletion has the same shape with the branch's ref.
const branchDeletion = { ...examples("push").find((p) => p.deleted), ref: branchPush.ref };

const cases = [
  ["ping", "ping", ping],
  ["push", "push", branchPush],
  ["tag-push", "push", tagPush],
  ["branch-deletion", "push", branchDeletion],
];
for (const [name, event, payload] of cases) {
  const json = JSON.stringify(payload);
  for (const [contentType, body] of [
    ["application/json", json],
    ["application/x-www-form-urlencoded", "payload=" + encodeURIComponent(json)],
  ]) {
    console.log(JSON.stringify({ name, event, contentType, body, signature: await sign(secret, body) }));
  }
}
