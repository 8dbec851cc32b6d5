// Every call to the server goes through here: it adds the API key (kept in sessionStorage for
// this browser tab), asks for the key when the server wants one, and turns error answers
// ({"error","detail"}) into ApiError with the server's own words.

const KEY = 'brainTrust.apiKey';

export class ApiError extends Error {
  constructor(status, error, detail) {
    super(detail || error || `HTTP ${status}`);
    this.status = status;
    this.error = error;
  }
}

export function storedKey() {
  return sessionStorage.getItem(KEY);
}

export function keyHeaders() {
  const key = storedKey();
  return key ? { 'X-API-Key': key } : {};
}

async function toError(res) {
  let error = '', detail = '';
  try {
    const body = await res.json();
    error = body.error || '';
    detail = body.detail || '';
  } catch (e) {
    detail = `${res.status} ${res.statusText}`;
  }
  return new ApiError(res.status, error, detail);
}

function isKeyProblem(status, err) {
  return status === 401 || (status === 403 && /wrong API key/.test(err.message));
}

/**
 * api('/api/v1/status') → parsed JSON (or text for non-JSON answers).
 * options: method, body (sent as JSON), headers, signal, raw (return the Response).
 */
export async function api(path, options = {}) {
  const { method = 'GET', body, headers = {}, signal, raw = false } = options;
  for (let attempt = 0; attempt < 3; attempt++) {
    const res = await fetch(path, {
      method,
      signal,
      headers: { ...keyHeaders(), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body)),
    });
    if (res.ok) {
      if (raw) return res;
      const type = res.headers.get('Content-Type') || '';
      return type.includes('json') ? res.json() : res.text();
    }
    const err = await toError(res);
    if (!isKeyProblem(res.status, err)) throw err;
    sessionStorage.removeItem(KEY);
    await askForKey(res.status === 403 ? 'The key this tab had was refused: wrong API key.' : null);
  }
  throw new ApiError(401, 'unauthorized', 'no accepted API key');
}

let pending = null;

/** Shows the key dialog (once, however many calls are waiting) and resolves when the server accepts a key. */
export function askForKey(message) {
  if (!pending) {
    pending = new Promise(resolve => openDialog(message, resolve)).finally(() => { pending = null; });
  }
  return pending;
}

function openDialog(message, resolve) {
  const dialog = document.getElementById('key-dialog');
  const form = document.getElementById('key-form');
  const input = document.getElementById('key-input');
  const note = document.getElementById('key-message');
  const submit = document.getElementById('key-submit');
  const say = text => { note.textContent = text || ''; note.hidden = !text; };
  say(message);
  input.value = '';
  dialog.addEventListener('cancel', e => e.preventDefault()); // the page cannot work without the key
  form.onsubmit = async e => {
    e.preventDefault();
    const key = input.value.trim();
    if (!key) return;
    submit.disabled = true;
    say('Checking…');
    try {
      const res = await fetch('/api/v1/status', { headers: { 'X-API-Key': key } });
      if (res.ok) {
        sessionStorage.setItem(KEY, key);
        say('');
        dialog.close();
        resolve();
        return;
      }
      const err = await toError(res);
      if (res.status === 403 && /wrong API key/.test(err.message)) {
        say('Wrong API key: the server refused it. Check BRAIN_TRUST_API_KEY on the server.');
      } else {
        say(err.message);
      }
      input.select();
    } catch (netErr) {
      say(`Cannot reach the server: ${netErr.message}`);
    } finally {
      submit.disabled = false;
    }
  };
  if (!dialog.open) dialog.showModal();
  input.focus();
}

/**
 * Follows a Server-Sent Events stream with the API key in a header (EventSource cannot send one),
 * calling onEvent(type, data) for each event. Resolves when the stream ends or signal aborts.
 */
export async function streamEvents(path, onEvent, signal) {
  const res = await api(path, { raw: true, headers: { Accept: 'text/event-stream' }, signal });
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let type = 'message';
  let data = [];
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let newline;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline).replace(/\r$/, '');
        buffer = buffer.slice(newline + 1);
        if (line === '') {
          if (data.length) onEvent(type, data.join('\n'));
          type = 'message';
          data = [];
        } else if (!line.startsWith(':')) {
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          let val = colon < 0 ? '' : line.slice(colon + 1);
          if (val.startsWith(' ')) val = val.slice(1);
          if (field === 'event') type = val;
          else if (field === 'data') data.push(val);
        }
      }
    }
  } catch (e) {
    if (e.name !== 'AbortError') throw e;
  } finally {
    try { reader.releaseLock(); } catch (ignored) { /* already released by an abort */ }
  }
}
