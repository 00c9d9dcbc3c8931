/**
 * Seeded random event logs for the engine conformance suite: Segment and PostHog messages with
 * anonymous visitors who sign up later (identity links that arrive in a later batch), several
 * devices per user, aliases, traits rewritten over time, accounts, ties on the same millisecond,
 * events on local midnights and DST changes, retried (duplicate) messages and odd property values.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface RandomLogOptions {
  seed: number;
  actors: number;
  /** The log covers [start, end). */
  start: number;
  end: number;
  /** Messages are handed over in this many imports, in time order with some stragglers. */
  batches: number;
}

type Msg = Record<string, unknown>;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const CHANNELS = ['general', 'self', 'random', 'Général', 'ops "room"', '', 'back\\slash', '🚀 launch'];
const ROLES = ['engineer', 'pm', 'designer', 'sales', 'Engineer', null];
const PLANS = ['free', 'team', 'business', 'enterprise'];
const PMF_ANSWERS = ['Very disappointed', 'Somewhat disappointed', 'Not disappointed', 'very disappointed', 'N/A', ''];
/** Property values of every JSON kind, including numbers as text and numbers past 64-bit integers. */
const ODD_VALUES: unknown[] = [
  1, 0, -0, 2.5, 0.1, 1e-7, 1e21, 12345678901234567000, -12345678901234567000, 100000000000000000000,
  '42', ' 7 ', ' 1 ', '\t2.5\n', '3.5', 'abc', '', 'inf', 'true', true, false, null, [1, 'a'], { nested: { k: 1 } }, 'ünï©ødé',
];

/** Instants a UTC or New York report cuts at: local midnights, DST changes, week and month starts. */
function sharpInstants(start: number, end: number): number[] {
  const out: number[] = [];
  for (let t = Math.ceil(start / DAY) * DAY; t < end; t += DAY) {
    out.push(t, t + 5 * HOUR, t + 4 * HOUR, t - 1, t + 5 * HOUR - 1);
  }
  // 2026 US DST: 2026-03-08 07:00Z and 2026-11-01 06:00Z.
  for (const dst of [Date.UTC(2026, 2, 8, 7), Date.UTC(2026, 10, 1, 6), Date.UTC(2025, 10, 2, 6)]) {
    if (dst >= start && dst < end) out.push(dst - 1, dst, dst + 1, dst - HOUR);
  }
  return out;
}

export function randomLog(o: RandomLogOptions): Msg[][] {
  const rnd = mulberry32(o.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const chance = (p: number) => rnd() < p;
  const sharp = sharpInstants(o.start, o.end);
  let counter = 0;
  const id = () => `r${o.seed}-${++counter}`;
  const iso = (ms: number) => new Date(ms).toISOString();
  const span = o.end - o.start;
  const at = (from: number, maxDelay: number) => {
    // A third of the instants land on a sharp boundary near the wanted time.
    if (chance(0.15)) {
      const near = sharp.filter((s) => s >= from && s < from + maxDelay);
      if (near.length) return pick(near);
    }
    return Math.min(o.end - 1, from + Math.floor(rnd() * maxDelay));
  };
  const timed: { ts: number; msg: Msg }[] = [];
  const push = (ts: number, msg: Msg) => timed.push({ ts, msg });
  const accounts = Array.from({ length: Math.max(2, Math.floor(o.actors / 6)) }, (_, i) => `acct-${o.seed}-${i}`);

  for (let a = 0; a < o.actors; a++) {
    const anon = `anon-${o.seed}-${a}`;
    const device2 = chance(0.2) ? `anon2-${o.seed}-${a}` : null;
    const user = chance(0.75) ? `user-${o.seed}-${a}` : null;
    const first = o.start + Math.floor(rnd() * span * 0.9);
    let t = first;
    const useHog = chance(0.3);
    const ids = (identified: boolean, device = anon): Msg => (identified && user ? { userId: user, anonymousId: chance(0.7) ? device : undefined } : { anonymousId: device });
    const track = (event: string, ts: number, identified: boolean, properties: Msg = {}, device = anon) => {
      const messageId = id();
      let msg: Msg;
      if (useHog && event !== 'Page Viewed') {
        msg = { event, distinct_id: identified && user ? user : device, timestamp: iso(ts), uuid: messageId,
          properties: { ...properties, $is_identified: identified && user !== null } };
      } else if (event === 'Page Viewed') {
        msg = { type: 'page', ...ids(identified, device), timestamp: iso(ts), messageId, properties: { path: pick(['/', '/pricing', '/docs']), ...properties } };
      } else {
        msg = { type: 'track', event, ...ids(identified, device), timestamp: iso(ts), messageId, properties };
      }
      if (chance(0.3)) (msg.properties as Msg).account_id = pick(accounts);
      push(ts, msg);
      // A retried delivery: the same message again, maybe in a later batch.
      if (chance(0.04)) push(ts + Math.floor(rnd() * 3 * DAY), { ...msg });
      return ts;
    };

    const visits = 1 + Math.floor(rnd() * 4);
    for (let v = 0; v < visits; v++) {
      t = at(t, 2 * DAY);
      track('Page Viewed', t, false);
      if (chance(0.4)) track('Page Viewed', t, false); // two views on the same millisecond
    }
    if (device2) track('Page Viewed', at(first, 5 * DAY), false, {}, device2);
    if (!user) continue;

    t = at(t, 3 * DAY);
    const signup = track('Signed Up', t, true, { plan: pick(PLANS) });
    // The link: on the signup itself (both ids) or by identify / alias / $identify later on.
    const role = pick(ROLES);
    const traits: Msg = { role, company_size: pick([1, 5, 10, 50, 200, '25', null]), plan: pick(PLANS), odd: pick(ODD_VALUES) };
    if (useHog) {
      push(signup + (chance(0.5) ? 0 : 1000), { event: '$identify', distinct_id: user, timestamp: iso(signup + 1000), uuid: id(), properties: { $anon_distinct_id: anon, $set: traits } });
    } else {
      push(signup, { type: 'identify', userId: user, anonymousId: anon, traits, timestamp: iso(signup), messageId: id() });
    }
    if (device2) push(signup + DAY, { type: 'alias', userId: user, previousId: device2, timestamp: iso(signup + DAY), messageId: id() });
    if (chance(0.6)) {
      const account = pick(accounts);
      push(signup + 2000, { type: 'group', userId: user, groupId: account, traits: { plan: pick(PLANS), seats: pick([1, 3, 12, 40]), odd: pick(ODD_VALUES) }, timestamp: iso(signup + 2000), messageId: id() });
      // Traits change later; a later group call may move the user.
      if (chance(0.3)) push(signup + 9 * DAY, { type: 'group', userId: user, groupId: pick(accounts), traits: { plan: pick(PLANS) }, timestamp: iso(signup + 9 * DAY), messageId: id() });
    }
    if (chance(0.3)) {
      const later = signup + Math.floor(rnd() * 20 * DAY);
      push(later, { type: 'identify', userId: user, traits: { role: pick(ROLES), tier: pick(ODD_VALUES) }, timestamp: iso(later), messageId: id() });
    }
    if (chance(0.7)) t = track('Workspace Created', at(t, chance(0.3) ? 1 : 6 * DAY), true);
    const messages = Math.floor(rnd() * rnd() * 14);
    for (let m = 0; m < messages; m++) {
      t = at(t, chance(0.2) ? 1 : 3 * DAY);
      track('Message Sent', t, true, { channel: pick(CHANNELS), amount: pick([1, 2.5, 10, '4', ' 4 ', ' 2.5', 'x', 0.1, 12345678901234567000]), odd: pick(ODD_VALUES) });
    }
    if (chance(0.35)) track('Subscription Started', at(t, 10 * DAY), true, { plan: pick(PLANS) });
    // Surveys, HEART signals and support tickets.
    if (chance(0.4)) track('Survey Answered', at(signup, 30 * DAY), true, { response: pick(PMF_ANSWERS) });
    if (chance(0.4)) track('NPS Submitted', at(signup, 30 * DAY), true, { score: pick([0, 3, 6, 7, 8, 9, 10, '9', 11, 'n/a', 8.5]) });
    if (chance(0.3)) track('CSAT Submitted', at(signup, 30 * DAY), true, { score: pick([1, 2, 3, 4, 5, '5', 0]) });
    for (let k = Math.floor(rnd() * 4); k > 0; k--) track('Invite Sent', at(signup, 10 * DAY), true);
    if (chance(0.3)) track('Integration Connected', at(signup, 14 * DAY), true);
    if (chance(0.3)) track('Reply Rated', at(signup, 20 * DAY), true, { rating: pick(['up', 'down', 'up']) });
    if (chance(0.3)) track('Search Used', at(signup, 20 * DAY), true);
    for (let k = Math.floor(rnd() * 3); k > 0; k--) {
      const start = at(signup, 20 * DAY);
      track('Upload Started', start, true);
      if (chance(0.7)) track(chance(0.8) ? 'Upload Completed' : 'Upload Failed', start + Math.floor(rnd() * 600_000), true);
    }
    if (chance(0.15)) track('Support Ticket Opened', at(signup, 25 * DAY), true);
  }

  timed.sort((x, y) => x.ts - y.ts);
  const batches: Msg[][] = Array.from({ length: o.batches }, () => []);
  timed.forEach(({ msg }, i) => {
    let b = Math.min(o.batches - 1, Math.floor((i / timed.length) * o.batches));
    // Stragglers: some messages arrive one or two imports late.
    if (chance(0.1)) b = Math.min(o.batches - 1, b + 1 + Math.floor(rnd() * 2));
    batches[b].push(msg);
  });
  return batches;
}

export interface LedgerRowInput {
  accountId: string;
  subscriptionId: string;
  effectiveAt: number;
  mrr: number;
  plan: string | null;
  currency: string | null;
}

/** A subscription ledger for the accounts `randomLog` uses: starts, upgrades, downgrades, cancellations, comebacks. */
export function randomLedger(o: RandomLogOptions): LedgerRowInput[] {
  const rnd = mulberry32(o.seed * 7919 + 1);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const rows: LedgerRowInput[] = [];
  const accounts = Math.max(2, Math.floor(o.actors / 6));
  for (let i = 0; i < accounts; i++) {
    if (rnd() < 0.4) continue;
    let t = o.start + Math.floor(rnd() * (o.end - o.start) * 0.7);
    const sub = rnd() < 0.2 ? 'annual' : '';
    for (let changes = 1 + Math.floor(rnd() * 4); changes > 0 && t < o.end; changes--) {
      const mrr = pick([0, 49, 99, 99.5, 250, 1000 / 12, 0]);
      rows.push({ accountId: `acct-${o.seed}-${i}`, subscriptionId: sub, effectiveAt: t, mrr, plan: pick(['team', 'business', null]), currency: 'USD' });
      t += Math.floor(rnd() * 40 * DAY);
      // Two changes on the same instant: the later row of the file replaces the earlier one.
      if (rnd() < 0.05) rows.push({ accountId: `acct-${o.seed}-${i}`, subscriptionId: sub, effectiveAt: rows[rows.length - 1].effectiveAt, mrr: 10, plan: null, currency: 'USD' });
    }
  }
  return rows;
}

export interface ManualRowInput {
  metric: string;
  period: string;
  value: number | null;
  enteredBy: string;
  note?: string | null;
}

/** Weekly hand entries for cash, burn and sales & marketing spend, with corrections and a withdrawn value. */
export function randomManual(o: RandomLogOptions, weeks: string[]): ManualRowInput[] {
  const rnd = mulberry32(o.seed * 104729 + 3);
  const out: ManualRowInput[] = [];
  for (const week of weeks) {
    out.push({ metric: 'cash_balance', period: week, value: Math.round(500_000 + rnd() * 100_000), enteredBy: 'cfo' });
    out.push({ metric: 'sales_marketing_spend', period: week, value: Math.round(rnd() * 20_000), enteredBy: 'cfo' });
    if (rnd() < 0.3) out.push({ metric: 'sales_marketing_spend', period: week, value: Math.round(rnd() * 20_000), enteredBy: 'ceo', note: 'corrected' });
    if (rnd() < 0.1) out.push({ metric: 'cash_balance', period: week, value: null, enteredBy: 'cfo', note: 'withdrawn' });
  }
  const months = [...new Set(weeks.map((w) => w.slice(0, 4)))];
  for (const year of months) for (let m = 1; m <= 12; m++) if (rnd() < 0.5) out.push({ metric: 'burn', period: `${year}-${String(m).padStart(2, '0')}`, value: Math.round(rnd() * 80_000), enteredBy: 'cfo' });
  return out;
}
