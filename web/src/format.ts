import type { Status, Target, Unit } from './types';

const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
const twoDecimals = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

export const DASH = '—';

/** 1,234 · 12.3k · 4.5M: compact above 100,000 so the grid stays narrow (the exact value is in the title). */
export function compact(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e9) return `${oneDecimal.format(v / 1e9)}B`;
  if (a >= 1e6) return `${oneDecimal.format(v / 1e6)}M`;
  if (a >= 1e5) return `${oneDecimal.format(v / 1e3)}k`;
  return Number.isInteger(v) ? grouped.format(v) : a < 10 ? twoDecimals.format(v) : oneDecimal.format(v);
}

export function exact(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH;
  return Number.isInteger(v) ? grouped.format(v) : twoDecimals.format(v);
}

export function pct(v: number | null | undefined, digits = 1): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH;
  return `${(v * 100).toFixed(digits)}%`;
}

/** $0.50 · $242 · $5,233 · $10.5k · $2.1M: whole units from 100 up, compact from 10,000 (or `compactFrom`). */
export function money(v: number | null | undefined, currency = '$', compactFrom = 1e4): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH;
  const sign = v < 0 ? '−' : '';
  const a = Math.abs(v);
  const text = a >= 1e6 ? `${oneDecimal.format(a / 1e6)}M` : a >= compactFrom ? `${oneDecimal.format(a / 1e3)}k` : a >= 100 ? grouped.format(Math.round(a)) : twoDecimals.format(a);
  return `${sign}${currency}${text}`;
}

/** "p < 0.001", "p = 0.012"; without a name "< 0.001", "0.012" (a table column names it). */
export function pText(p: number, name = 'p'): string {
  const prefix = name ? `${name} ` : '';
  return p < 0.001 ? `${prefix}< 0.001` : `${prefix}${name ? '= ' : ''}${p.toFixed(3)}`;
}

export function signedPct(v: number | null | undefined, digits = 1): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH;
  const s = (v * 100).toFixed(digits);
  return v > 0 ? `+${s}%` : v < 0 ? `−${s.slice(1)}%` : `${s}%`;
}

/** A value in its unit, compact. */
export function fmt(v: number | null | undefined, unit: Unit = 'count'): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH;
  switch (unit) {
    case 'rate':
      return pct(v, Math.abs(v) < 0.1 ? 1 : 0);
    case 'money':
      return money(v, '$', 1e3);
    case 'ratio':
      return `${v.toFixed(1)}×`;
    case 'months':
      return `${v.toFixed(1)} mo`;
    default:
      return compact(v);
  }
}

export function targetText(target: Target | null, unit: Unit = 'count'): string {
  if (!target) return DASH;
  if ('gte' in target) return `≥ ${fmt(target.gte, unit)}`;
  if ('lte' in target) return `≤ ${fmt(target.lte, unit)}`;
  return `${fmt(target.between[0], unit)}–${fmt(target.between[1], unit)}`;
}

export const STATUS_LABEL: Record<Status, string> = {
  on_track: 'On track',
  off_track: 'Off track',
  no_target: 'No target',
  no_data: 'No data',
};

export const STATUS_MARK: Record<Status, string> = { on_track: '✓', off_track: '✕', no_target: '', no_data: '' };

/** `2026-W09` → `W09`. */
export const shortWeek = (week: string) => week.replace(/^\d{4}-/, '');

export const STAGE_LABEL: Record<string, string> = {
  visit: 'Visit', signup: 'Signup', setup: 'Setup', first_strike: 'First strike', kui: 'KUI', upgrade: 'Upgrade',
};
export const stageLabel = (s: string) => STAGE_LABEL[s] ?? s.replace(/_/g, ' ');

/** "li@acme.io" → "LI", "maya.chen@x" → "MC". */
export function initials(owner: string): string {
  const local = owner.split('@')[0] ?? owner;
  const parts = local.split(/[._\-\s]+/).filter(Boolean);
  if (parts.length >= 2) return (parts[0][0] + parts[1][0]).toUpperCase();
  return local.slice(0, 2).toUpperCase();
}

const AVATAR_COLOURS = ['#1e40af', '#0f766e', '#7c3aed', '#b45309', '#be123c', '#0369a1', '#4d7c0f', '#6d28d9', '#9d174d', '#155e75'];

export function avatarColour(owner: string): string {
  let h = 0;
  for (let i = 0; i < owner.length; i++) h = (h * 31 + owner.charCodeAt(i)) >>> 0;
  return AVATAR_COLOURS[h % AVATAR_COLOURS.length];
}

export function dateTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().slice(0, 16).replace('T', ' ');
}

/** A filter like { channel: { ne: self } } in words: "channel is not self" (as the server's reports word it). */
export function filterText(where: Record<string, Record<string, unknown>> | null): string {
  if (!where) return '';
  const words: Record<string, string> = { eq: 'is', ne: 'is not', gt: 'is above', gte: 'is at least', lt: 'is below', lte: 'is at most', in: 'is one of', nin: 'is none of', contains: 'contains' };
  const one = (prop: string, op: string, v: unknown) =>
    op === 'exists' ? `${prop} ${v === false ? 'is not set' : 'is set'}` : `${prop} ${words[op] ?? op} ${Array.isArray(v) ? v.join(', ') : String(v)}`;
  return Object.entries(where)
    .map(([prop, cond]) => Object.entries(cond ?? {}).map(([op, v]) => one(prop, op, v)).join(' and '))
    .join(' and ');
}
