// Verifies one notification the way a receiver would, with the official Standard Webhooks library.
// Input on stdin: {"secret": "whsec_...", "headers": {...}, "body": "<raw body>"}; prints the verified payload's type.
import { Webhook } from 'standardwebhooks';

let input = '';
for await (const chunk of process.stdin) input += chunk;
const { secret, headers, body } = JSON.parse(input);
try {
  const payload = new Webhook(secret).verify(body, headers);
  console.log(`verified ${payload.type}`);
} catch (e) {
  console.log(`refused ${e.message}`);
  process.exitCode = 1;
}
