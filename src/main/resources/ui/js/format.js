// Small formatting helpers for times, ages, durations and revisions. Times are shown in the server's
// time zone (GET /api/v1/status timeZone), like the journal's, whatever the browser's zone and locale.

let timeFormat = null;

/** Shows times in this IANA zone from now on (the server's); an unknown zone leaves the browser's. */
export function setTimeZone(zone) {
  try {
    timeFormat = new Intl.DateTimeFormat('en-GB', { timeZone: zone || undefined, year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZoneName: 'short' });
  } catch (e) {
    timeFormat = null;
  }
}

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

/** 2026-12-01 10:11:16 UTC: the date and time in the server's zone, named. */
export function time(isoTime) {
  if (!isoTime) return '';
  if (!timeFormat) setTimeZone(null);
  const parts = Object.fromEntries(timeFormat.formatToParts(new Date(isoTime)).map(p => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second} ${parts.timeZoneName}`;
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
