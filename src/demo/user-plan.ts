/**
 * A signup's whole story, decided once from the user's own random stream: profiling traits, the
 * journey (setup, first strike, KUI, upgrade), the aha behaviour (invites in the first 7 days),
 * the decoy (searches in the first 7 days), weekly activity, and the subscription's life.
 * Timed milestones go into the user's queue; weekly and daily detail is drawn later (user-life.ts).
 */
import { isWeekend, timeBetween, timeInDay } from './calendar.js';
import { PURPOSE, type DemoContext } from './context.js';
import { INDUSTRIES, person, type Person } from './identity.js';
import {
  AHA_DAYS, CHURN_FACTOR_IDEAL, CHURN_FACTOR_KUI, CHURN_FACTOR_PAID, COMPANY_SIZES, DECOY_SEARCH_RATE,
  FIRST_STRIKE_RATE, IDEAL_MIN_COMPANY_SIZE, IDEAL_ROLES, KUI_FACTOR_INVITER, KUI_FACTOR_NON_INVITER,
  KUI_ONBOARDING_MESSAGES, KUI_RATE, KUI_THRESHOLD, KUI_WINDOW_DAYS, LIGHT_ONBOARDING_MESSAGES_MAX,
  LIGHT_WEEKLY_MESSAGES_MAX, MARKETING_PAGES, MAX_DAYS_VISIT_BEFORE_SIGNUP, PLANTED_INVITER_CHURN_FACTOR,
  PAID_WEEKLY_CHURN, PLANTED_INVITER_RATE, PLANTED_SETUP_RATE, PMF_SURVEY_RATE, POSTHOG_SHARE, QUIET_WEEK_RATE, REACTIVATION_RATE,
  ROLES, SAME_SESSION_SIGNUP, SETUP_FACTOR_INVITER, SETUP_FACTOR_NON_INVITER, UPGRADE_RATE,
  UPGRADE_RATE_WITHOUT_KUI, WEEKLY_MESSAGES, WEEKLY_SURVIVAL,
} from './model.js';
import { cumulative, hashKey, Rng } from './prng.js';
import type { Actor } from './shapes.js';
import { drawUtm, type Utm } from './visitors.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, WEEK_MS } from '../model/time.js';

/** The churn quota every settled paying account draws from (after the 64 cells by week and profile). */
const PAID_CHURN_CELL = 64;

/** Queue entry kinds: timed things a user does, handled on their day (user-life.ts). */
export const K = {
  page: 1, signup: 2, setup: 3, invite: 4, search: 5, upgrade: 6, cancel: 7, reactivate: 8, expand: 9,
  contract: 10, planUp: 11, pmf: 12, nps: 13, ticket: 14, csat: 15, exportStart: 16, exportDone: 17,
  exportFail: 18, file: 19, integration: 20, secondDevice: 21, revisit: 22,
} as const;

export interface Entry {
  t: number;
  kind: number;
  arg: number;
}

export interface UserState {
  index: number;
  actor: Actor;
  userId: string;
  accountId: string;
  signupMs: number;
  signupDay: number;
  signupWeek: number;
  role: string;
  companySize: number;
  ideal: boolean;
  person: Person;
  industry: string;
  utm: Utm;
  inviter: boolean;
  setupMs: number | null;
  firstStrikeMs: number | null;
  firstStrikeDay: number;
  kui: boolean;
  /** Messages per day offset from the signup day (0..13), first-strike message included. */
  onboarding: Uint16Array | null;
  /** Active in week offset k after the signup week (k = 0 is the signup week). */
  active: Uint8Array;
  weeklyRate: number;
  /** The user can be dropped once this day has passed and the queue is empty. */
  lastActiveDay: number;
  queue: Entry[];

  // mutable simulation state
  stepWeek: number;
  dayCounts: Uint16Array;
  lastConnectWeek: number;
  lastNorthStarWeek: number;
  lastVisitWeek: number;
  paid: boolean;
  plan: string;
  seats: number;
  mrr: number;
  discounted: boolean;
  everPaid: boolean;
  secondDevice: boolean;
  counter: number;

  // outcome tracking (what was emitted)
  setupDone: boolean;
  firstStrikeDone: boolean;
  kuiDone: boolean;
  upgradeDone: boolean;
  messagesFirst14Days: number;
  invitesFirst7Days: number;
  searchesFirst7Days: number;
  retainedWeek4: boolean;
}

const ROLE_TABLE = cumulative(ROLES.map((r) => r.weight));
const SIZE_TABLE = cumulative(COMPANY_SIZES.map((s) => s.weight));
const PAGE_INDEX = new Map(MARKETING_PAGES.map((p, i) => [p.path, i]));
/** Cancel entries: arg = DOWNGRADE when the account drops to the free plan but keeps using the product. */
export const DOWNGRADE = 2;
/** Page entries: arg = page index, + 1000 when the page carries the UTM tags. */
export const PAGE_WITH_UTM = 1000;

export function pushEntry(queue: Entry[], entry: Entry): void {
  let i = queue.length;
  while (i > 0 && queue[i - 1].t > entry.t) i--;
  queue.splice(i, 0, entry);
}

export function planUser(ctx: DemoContext, index: number, signupDay: number): UserState {
  const { window } = ctx;
  const rng = new Rng(hashKey(ctx.seed, PURPOSE.userPlan, index));
  const dayStart = window.startMs + signupDay * DAY_MS;
  const signupMs = Math.max(dayStart + 20 * MINUTE_MS, timeInDay(rng, dayStart));
  const signupWeek = Math.floor(signupDay / 7);

  const role = ROLES[rng.weightedIndex(ROLE_TABLE)].role;
  const bucket = COMPANY_SIZES[rng.weightedIndex(SIZE_TABLE)];
  const companySize = role === 'student' ? rng.int(1, 5) : rng.int(bucket.lo, Math.round(bucket.lo + (bucket.hi - bucket.lo) * rng.next() ** 2));
  const ideal = IDEAL_ROLES.includes(role) && companySize >= IDEAL_MIN_COMPANY_SIZE;
  const seg = ideal ? 'ideal' : 'other';
  const posthog = rng.chance(POSTHOG_SHARE);
  const who = person(rng);
  const industry = rng.pick(INDUSTRIES);
  const utm = drawUtm(rng);
  const queue: Entry[] = [];
  const horizon = window.weeks - signupWeek;

  // Visits before signing up: the signup session, and for some an earlier session days before.
  const earliest = Math.max(window.startMs, dayStart - MAX_DAYS_VISIT_BEFORE_SIGNUP * DAY_MS);
  let utmPlaced = false;
  if (!rng.chance(SAME_SESSION_SIGNUP)) {
    const gap = rng.int(1, MAX_DAYS_VISIT_BEFORE_SIGNUP);
    const t = timeInDay(rng, dayStart - gap * DAY_MS);
    if (t >= earliest) {
      const pages = rng.int(1, 4);
      for (let p = 0; p < pages; p++) {
        const page = p === 0 ? 0 : rng.int(0, MARKETING_PAGES.length - 1);
        queue.push({ t: t + p * rng.int(20, 180) * 1000, kind: K.page, arg: page + (p === 0 ? PAGE_WITH_UTM : 0) });
      }
      utmPlaced = true;
    }
  }
  const signupSessionStart = signupMs - rng.int(4, 12) * MINUTE_MS;
  const sessionPages = utmPlaced ? [PAGE_INDEX.get('/pricing')!] : [rng.int(0, MARKETING_PAGES.length - 1), PAGE_INDEX.get('/pricing')!];
  sessionPages.forEach((page, p) => {
    const t = signupSessionStart + p * rng.int(40, 100) * 1000;
    if (t >= window.startMs) queue.push({ t, kind: K.page, arg: page + (!utmPlaced && p === 0 ? PAGE_WITH_UTM : 0) });
  });
  queue.push({ t: signupMs, kind: K.signup, arg: 0 });

  // PLANTED aha: invites in the first 7 days. Inviters send >= 3, often in the signup wizard.
  const inviter = rng.chance(PLANTED_INVITER_RATE[seg]);
  const invites = inviter ? 3 + rng.poisson(1.4) : [0, 0, 0, 0, 0, 1, 1, 1, 2, 2][rng.int(0, 9)];
  const wizard = inviter && rng.chance(0.6);
  const sevenDays = AHA_DAYS * DAY_MS;
  for (let i = 0; i < invites; i++) {
    const t = wizard && i < 3
      ? signupMs + rng.int(60, 600) * 1000 + i * 7000
      : timeBetween(rng, signupMs + 5 * MINUTE_MS, signupMs + sevenDays - MINUTE_MS);
    queue.push({ t, kind: K.invite, arg: 0 });
  }

  // PLANTED bottleneck: few signups ever create their workspace.
  const setupRate = PLANTED_SETUP_RATE[seg] * (inviter ? SETUP_FACTOR_INVITER : SETUP_FACTOR_NON_INVITER);
  let setupMs: number | null = null;
  const cell = (inviter ? 1 : 0) + (ideal ? 2 : 0);
  if (ctx.quotas.setup[cell].take(setupRate)) {
    const u = rng.next();
    const delay = u < 0.6 ? rng.int(3, 60) * MINUTE_MS : u < 0.85 ? rng.int(1, 24) * HOUR_MS : rng.int(24, 120) * HOUR_MS;
    setupMs = signupMs + delay;
    queue.push({ t: setupMs, kind: K.setup, arg: 0 });
  }
  let firstStrikeMs: number | null = null;
  if (setupMs !== null && ctx.quotas.firstStrike[cell].take(FIRST_STRIKE_RATE[seg])) {
    firstStrikeMs = setupMs + (rng.chance(0.7) ? rng.int(1, 30) * MINUTE_MS : rng.int(1, 72) * HOUR_MS);
  }
  const firstStrikeDay = firstStrikeMs === null ? Infinity : Math.floor((firstStrikeMs - window.startMs) / DAY_MS);
  const kui = firstStrikeMs !== null
    && ctx.quotas.kui[cell].take(KUI_RATE[seg] * (inviter ? KUI_FACTOR_INVITER : KUI_FACTOR_NON_INVITER));

  const state: UserState = {
    index, actor: {
      actor: index, seq: 0, posthog, userId: null, anonymousId: ctx.ids.anonymous(index), accountId: null,
    },
    userId: ctx.ids.user(index), accountId: ctx.ids.account(index),
    signupMs, signupDay, signupWeek, role, companySize, ideal, person: who, industry, utm, inviter,
    setupMs, firstStrikeMs, firstStrikeDay, kui, onboarding: null, active: new Uint8Array(Math.max(1, horizon)),
    weeklyRate: 0, lastActiveDay: signupDay + AHA_DAYS + 1, queue,
    stepWeek: -1, dayCounts: new Uint16Array(7), lastConnectWeek: -10, lastNorthStarWeek: -1, lastVisitWeek: -1,
    paid: false, plan: 'free', seats: 1, mrr: 0, discounted: false, everPaid: false, secondDevice: false, counter: 0,
    setupDone: false, firstStrikeDone: false, kuiDone: false, upgradeDone: false,
    messagesFirst14Days: 0, invitesFirst7Days: 0, searchesFirst7Days: 0, retainedWeek4: false,
  };

  if (firstStrikeMs !== null && firstStrikeMs < window.endMs) planUsage(ctx, state, rng, seg);

  // Decoy: searching the help centre / templates in week 1. The same share searches in every
  // stratum of profile, journey and week-4 activity (low-variance sampling per stratum), so
  // searching carries no signal about retention.
  const activeWeek4 = state.active.length > 4 && state.active[4] === 1;
  const stratum = (inviter ? 1 : 0) + (setupMs !== null ? 2 : 0) + (firstStrikeMs !== null ? 4 : 0) + (kui ? 8 : 0)
    + (ideal ? 16 : 0) + (activeWeek4 ? 32 : 0);
  if (ctx.quotas.search[stratum].take(DECOY_SEARCH_RATE)) {
    const searches = 1 + rng.poisson(1.5);
    for (let i = 0; i < searches; i++) {
      queue.push({ t: timeBetween(rng, signupMs + 2 * MINUTE_MS, signupMs + AHA_DAYS * DAY_MS - MINUTE_MS), kind: K.search, arg: 0 });
    }
  }
  queue.sort((a, b) => a.t - b.t);
  return state;
}

/** Weekly activity, onboarding messages and the subscription's life, for users who got value. */
function planUsage(ctx: DemoContext, u: UserState, rng: Rng, seg: 'ideal' | 'other'): void {
  const { window } = ctx;
  const firstStrikeMs = u.firstStrikeMs!;
  const weekOf = (ms: number) => Math.floor((ms - window.startMs) / WEEK_MS) - u.signupWeek;
  const horizon = u.active.length;
  u.weeklyRate = u.kui
    ? rng.lognormal(WEEKLY_MESSAGES.kui * (u.ideal ? 1.1 : 1), 0.45)
    : Math.min(LIGHT_WEEKLY_MESSAGES_MAX, rng.lognormal(WEEKLY_MESSAGES.light, 0.5));

  // Upgrade: KUI accounts a few days after crossing the threshold; a few others on their own.
  const onboarding = new Uint16Array(KUI_WINDOW_DAYS);
  const firstDay = u.firstStrikeDay - u.signupDay;
  const total = u.kui
    ? rng.int(KUI_ONBOARDING_MESSAGES.lo, KUI_ONBOARDING_MESSAGES.hi) + (u.ideal ? rng.int(0, 30) : 0)
    : Math.min(LIGHT_ONBOARDING_MESSAGES_MAX, 1 + rng.poisson(rng.lognormal(9, 0.7)));
  let upgradeMs: number | null = null;
  // One quota per path (with or without the KUI) keeps weekly upgrade counts steady.
  const cell = u.kui ? 1 : 0;
  if (ctx.quotas.upgrade[cell].take(u.kui ? UPGRADE_RATE[seg] : UPGRADE_RATE_WITHOUT_KUI)) {
    if (u.kui) {
      // Provisional: refined below once the day of the 50th message is known.
      upgradeMs = 0;
    } else {
      upgradeMs = timeInDay(rng, window.startMs + (u.signupDay + rng.int(8, 26)) * DAY_MS);
    }
  }

  // Weekly activity (k = week offset from the signup week). Churn and quiet weeks use low-variance
  // sampling per (week, profile) cell, so measured retention differences are the planted ones.
  const fsOff = weekOf(firstStrikeMs);
  let forcedUntil = fsOff;
  if (u.kui) forcedUntil = Math.max(forcedUntil, Math.floor((u.signupDay + KUI_WINDOW_DAYS - 1) / 7) - u.signupWeek);
  const churnFactor = (u.inviter ? PLANTED_INVITER_CHURN_FACTOR : 1) * (u.kui ? CHURN_FACTOR_KUI : 1) * (u.ideal ? CHURN_FACTOR_IDEAL : 1);

  // Onboarding messages over days firstDay..13 (light users only in weeks they are active: decided below).
  // For KUI users the first 14 days are always active, so the allocation can be made now.
  const allocate = (eligible: (j: number) => boolean) => {
    const weights: number[] = [];
    const days: number[] = [];
    for (let j = firstDay; j < KUI_WINDOW_DAYS; j++) {
      if (!eligible(j)) continue;
      days.push(j);
      // Most messages come in the first days: KUI users cross 50 within about a week of signing up.
      const decay = u.kui ? 1 / (1 + 0.35 * (j - firstDay)) : 1;
      weights.push((j === firstDay ? 2.5 : 1) * decay * (isWeekend(u.signupDay + j) ? 0.3 : 1));
    }
    const table = cumulative(weights);
    onboarding[firstDay] = 1; // the first-strike message itself
    for (let m = 1; m < total; m++) onboarding[days[rng.weightedIndex(table)]]++;
  };

  if (u.kui) {
    allocate(() => true);
    if (upgradeMs !== null) {
      let sum = 0;
      let day = firstDay;
      for (let j = firstDay; j < KUI_WINDOW_DAYS; j++) {
        sum += onboarding[j];
        day = j;
        if (sum >= KUI_THRESHOLD) break;
      }
      upgradeMs = timeInDay(rng, window.startMs + (u.signupDay + day + rng.int(1, 5)) * DAY_MS);
    }
  }
  const upOff = upgradeMs !== null && upgradeMs < window.endMs ? weekOf(upgradeMs) : null;
  if (upOff !== null) {
    forcedUntil = Math.max(forcedUntil, upOff);
    u.queue.push({ t: upgradeMs!, kind: K.upgrade, arg: 0 });
  }

  const active = u.active;
  if (fsOff < horizon) active[fsOff] = 1;
  let alive = true;
  let paid = false;
  let reactivated = false;
  let reactOff = -1;
  let lastActive = fsOff;
  for (let k = fsOff + 1; k < horizon; k++) {
    if (upOff !== null && k - 1 === upOff) paid = true;
    if (!alive) {
      if (k === reactOff) {
        alive = true;
        paid = true;
        active[k] = 1;
        lastActive = k;
      }
      continue;
    }
    if (k > forcedUntil) {
      const survival = WEEKLY_SURVIVAL[Math.min(k, WEEKLY_SURVIVAL.length) - 1];
      // Past its first month (and the week-4 retention window) a paying team cancels at a flat, low
      // rate from one shared cell, so its few cancellations come at a steady pace; before that, as any user.
      const settled = paid && k > WEEKLY_SURVIVAL.length;
      const hazard = settled ? PAID_WEEKLY_CHURN : (1 - survival) * churnFactor * (paid ? CHURN_FACTOR_PAID : 1);
      const churnCell = settled ? PAID_CHURN_CELL
        : (Math.min(k, WEEKLY_SURVIVAL.length) - 1) * 16 + (u.inviter ? 1 : 0) + (u.kui ? 2 : 0) + (u.ideal ? 4 : 0) + (paid ? 8 : 0);
      if (ctx.quotas.churn[churnCell].take(hazard)) {
        alive = false;
        if (paid) {
          paid = false;
          const cancelMs = timeInDay(rng, window.startMs + ((u.signupWeek + k) * 7 + rng.int(2, 16)) * DAY_MS);
          u.queue.push({ t: cancelMs, kind: K.cancel, arg: 0 });
          if (!reactivated && rng.chance(REACTIVATION_RATE)) {
            reactivated = true;
            const reactMs = timeInDay(rng, window.startMs + Math.floor((cancelMs - window.startMs) / DAY_MS + rng.int(14, 45)) * DAY_MS);
            u.queue.push({ t: reactMs, kind: K.reactivate, arg: 0 });
            reactOff = weekOf(reactMs);
          }
        }
        continue;
      }
    }
    if (k <= forcedUntil || !ctx.quotas.quiet.take(QUIET_WEEK_RATE)) {
      active[k] = 1;
      lastActive = k;
    }
  }
  u.lastActiveDay = Math.max(u.lastActiveDay, (u.signupWeek + lastActive + 1) * 7);

  if (!u.kui) allocate((j) => active[Math.floor((u.signupDay + j) / 7) - u.signupWeek] === 1);
  u.onboarding = onboarding;

  // Sean Ellis PMF survey in week 2 or 3 for some users who are still around.
  if (rng.chance(PMF_SURVEY_RATE)) {
    const k = rng.chance(0.5) ? 2 : 3;
    if (k < horizon && active[k]) {
      const weekStart = window.startMs + (u.signupWeek + k) * WEEK_MS;
      u.queue.push({ t: timeInDay(rng, weekStart + rng.int(0, 4) * DAY_MS), kind: K.pmf, arg: 0 });
    }
  }
}
