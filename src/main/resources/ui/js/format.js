// Small formatting helpers for times, ages, durations and revisions.

export function ago(seconds) {
  if (seconds == null || Number.isNaN(seconds)) return '';
  const s = Math.max(0, Math.round(seconds));
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min ago`;
  return `${Math.floor(h / 24)} days ago`;
}

export function agoFrom(isoTime) {
  if (!isoTime) return '';
  return ago((Date.now() - Date.parse(isoTime)) / 1000);
}

export function duration(ms) {
  if (ms == null) return '';
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s % 60)} s`;
}

export function time(isoTime) {
  if (!isoTime) return '';
  const d = new Date(isoTime);
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function shortRev(rev) {
  if (!rev) return '(none)';
  return rev.length > 12 ? rev.slice(0, 12) : rev;
}

export function bytes(n) {
  if (n == null) return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** An amount of money with enough digits for what model calls cost. */
export function money(amount, currency) {
  if (amount == null) return 'unknown';
  const digits = amount !== 0 && Math.abs(amount) < 0.01 ? 6 : 4;
  return `${amount.toFixed(digits)}${currency ? ` ${currency}` : ''}`;
}

/** A count with thousands separators: 1,234,567. */
export function count(n) {
  return n == null ? '' : Number(n).toLocaleString('en-US');
}
