// Fields of an STA alert email body: the reference's "SafeNet Trusted Access – Alert Mapper" (substringFrom
// an anchor, substringTo the next one, trim), plus the lockout's unlock time the guide adds to the template.
import type { StaAlertKind } from '../domain/sta-alert.js';

export interface StaAlertFields {
  userName: string | null;
  tenantName: string | null;
  instanceName: string | null;
  /** ISO-8601 UTC; lockout only. */
  unlockAt: string | null;
}

/**
 * The text after the first `from` and before the next `to`, trimmed. A missing anchor or an empty result is
 * null: the reference leaves that unverified, and an unset field is the only safe reading. Only the first
 * non-empty line is kept, so a line the admin adds between two anchors (the lockout's unlock time) does
 * not end up inside a field.
 */
export function between(text: string, from: string, to: string): string | null {
  const start = text.indexOf(from);
  if (start < 0) return null;
  const rest = text.slice(start + from.length);
  const end = rest.indexOf(to);
  if (end < 0) return null;
  const firstLine = rest
    .slice(0, end)
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find(Boolean);
  return firstLine ?? null;
}

/**
 * The reference takes everything after "Instance name:" to the end of the body. The rest of that line is
 * used here, so a mail footer or signature added after the line cannot leak into the name.
 */
export function instanceNameOf(text: string): string | null {
  const start = text.indexOf('Instance name:');
  if (start < 0) return null;
  const line = text.slice(start + 'Instance name:'.length).split(/\r?\n/, 1)[0] ?? '';
  return line.trim() || null;
}

const ISO_LIKE = /(\d{4})-(\d{2})-(\d{2})[T ](\d{1,2}):(\d{2})(?::(\d{2}))?/;
// STA renders dates the US way (month first) in its operator emails; a day-first date would misread.
const US_LIKE = /(\d{1,2})\/(\d{1,2})\/(\d{4}),?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AP]M)?/i;

/**
 * The unlock time: the guide has the admin put "UTC" after the template's `<unlockTime />` tag, so the time
 * sits on a line mentioning "unlock" and is followed by "UTC". Null when absent or not a real time.
 */
export function unlockTimeOf(text: string): string | null {
  for (const line of text.split(/\r?\n/)) {
    if (!/unlock/i.test(line) || !/UTC/.test(line)) continue;
    const beforeUtc = line.slice(0, line.lastIndexOf('UTC'));
    let parts: number[] | null = null;
    const iso = ISO_LIKE.exec(beforeUtc);
    if (iso) {
      parts = iso.slice(1, 7).map((p) => Number(p ?? 0));
    } else {
      const us = US_LIKE.exec(beforeUtc);
      if (us) {
        let hour = Number(us[4]);
        const meridiem = us[7]?.toUpperCase();
        if (meridiem === 'PM' && hour < 12) hour += 12;
        if (meridiem === 'AM' && hour === 12) hour = 0;
        parts = [Number(us[3]), Number(us[1]), Number(us[2]), hour, Number(us[5]), Number(us[6] ?? 0)];
      }
    }
    if (!parts) continue;
    const [y, mo, d, h, mi, s] = parts as [number, number, number, number, number, number];
    const t = Date.UTC(y, mo - 1, d, h, mi, s);
    const back = new Date(t);
    // Date.UTC rolls 31 Feb over into March: refuse instead of inventing a time.
    if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) continue;
    return back.toISOString();
  }
  return null;
}

export function mapStaAlertBody(kind: StaAlertKind, text: string): StaAlertFields {
  const instanceName = instanceNameOf(text);
  if (kind === 'PUSH_REJECTION') {
    return {
      userName: between(text, 'user account', 'in organization'),
      tenantName: between(text, 'Organization name:', 'Resource name'),
      instanceName,
      unlockAt: null,
    };
  }
  return {
    userName: between(text, 'Username:', 'Account:'),
    tenantName: between(text, 'Account:', 'Instance name'),
    instanceName,
    unlockAt: unlockTimeOf(text),
  };
}
