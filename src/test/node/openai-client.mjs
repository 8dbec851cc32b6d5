// Drives Brain Trust's OpenAI-compatible /v1 with the official OpenAI library (npm "openai"), a client nobody
// here wrote. Run by OpenAiLibraryTest; prints one JSON object per line on stdout.
//   OPENAI_BASE_URL=http://127.0.0.1:<port>/v1 OPENAI_API_KEY=<key> node openai-client.mjs
import OpenAI from 'openai';

const print = (step, data = {}) => process.stdout.write(JSON.stringify({ step, ...data }) + '\n');
const openai = new OpenAI({ baseURL: process.env.OPENAI_BASE_URL, apiKey: process.env.OPENAI_API_KEY, maxRetries: 0 });

try {
  const models = [];
  for await (const model of openai.models.list()) {
    models.push(model.id);
  }
  print('models', { ids: models });

  const completion = await openai.chat.completions.create({
    model: 'brain-trust',
    messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'What is my mission?' }],
    temperature: 0.3,
    user: 'ada',
  });
  print('completion', {
    id: completion.id, object: completion.object, content: completion.choices[0].message.content,
    role: completion.choices[0].message.role, finish: completion.choices[0].finish_reason, usage: completion.usage,
  });

  const stream = await openai.chat.completions.create({
    model: 'workflow/research-brief',
    messages: [{ role: 'user', content: 'Write about wind kites' }],
    stream: true,
    stream_options: { include_usage: true },
  });
  const chunks = [];
  for await (const chunk of stream) {
    chunks.push(chunk);
  }
  print('stream', {
    ids: [...new Set(chunks.map((c) => c.id))],
    objects: [...new Set(chunks.map((c) => c.object))],
    firstRole: chunks[0]?.choices[0]?.delta?.role ?? null,
    content: chunks.map((c) => c.choices[0]?.delta?.content ?? '').join(''),
    finish: chunks.map((c) => c.choices[0]?.finish_reason).filter((f) => f),
    usage: chunks[chunks.length - 1]?.usage ?? null,
  });

  // the helper that assembles a streamed completion, as many apps use it
  const runner = openai.chat.completions.stream({ model: 'brain-trust', messages: [{ role: 'user', content: 'Once more' }] });
  const final = await runner.finalChatCompletion();
  print('helper', { content: final.choices[0].message.content, finish: final.choices[0].finish_reason });

  try {
    await openai.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] });
    print('unknown-model', { status: 200 });
  } catch (e) {
    print('unknown-model', { status: e.status, message: e.message });
  }
  print('done');
} catch (e) {
  print('error', { message: String(e?.stack ?? e) });
  process.exitCode = 1;
}
