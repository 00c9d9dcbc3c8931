/**
 * What each queued user action looks like on the wire, and the subscription ledger it writes.
 * Billing changes re-check the account's state when they happen (a cancellation may come first).
 */
import { AHA_DAYS, CANCELLATION_REASONS, CSAT_RESPONSE_RATE, DISCOUNT, DISCOUNT_RATE, EXPORT_FAILURE_RATE, EXPORT_FORMATS, INTEGRATIONS, MARKETING_PAGES, PLANS, REACTIVATION_RATE, SEARCH_SCOPES } from './model.js';
import type { DemoContext } from './context.js';
import { cumulative, hashKey, hex8, type Rng } from './prng.js';
import { DOWNGRADE, K, PAGE_WITH_UTM, pushEntry, type Entry, type UserState } from './user-plan.js';
import { DAY_MS, HOUR_MS, WEEK_MS } from '../model/time.js';

const PLAN_TABLE = cumulative(PLANS.map((p) => p.weight));
const PLAN_BY_NAME = new Map(PLANS.map((p) => [p.plan, p]));
const TEMPLATES = ['engineering', 'startup', 'agency', 'blank', 'support'];
const FILE_TYPES = ['pdf', 'png', 'docx', 'xlsx', 'zip', 'mp4'];
const TICKET_CATEGORIES = ['how_to', 'bug', 'billing', 'account', 'integrations'];
const REVISIT_PAGES = ['/pricing', '/docs/getting-started', '/integrations', '/blog/async-standups'];
const PMF_QUESTION = 'How would you feel if you could no longer use Acme Chat?';

export function handleEntry(ctx: DemoContext, u: UserState, e: Entry, rng: Rng): void {
  const { shapes, stats, window } = ctx;
  const a = u.actor;
  const t = e.t;
  const w = Math.floor((t - window.startMs) / WEEK_MS);
  switch (e.kind) {
    case K.page: {
      const page = MARKETING_PAGES[e.arg % PAGE_WITH_UTM];
      const utm = e.arg >= PAGE_WITH_UTM ? u.utm : null;
      shapes.page(a, t, page.path, page.title, utm);
      countVisit(ctx, u, w);
      break;
    }
    case K.signup: {
      a.userId = u.userId;
      a.accountId = u.accountId;
      const props: Record<string, unknown> = { method: rng.pick(['email', 'email', 'google', 'github']), plan: 'free' };
      if (u.utm.source) {
        props.utm_source = u.utm.source;
        props.utm_medium = u.utm.medium;
      }
      const traits = {
        email: u.person.email, name: u.person.name, role: u.role, company_size: u.companySize,
        company: u.person.company, created_at: new Date(t).toISOString(),
      };
      const account = { name: u.person.company, plan: 'free', seats: 1, industry: u.industry, employees: u.companySize };
      if (a.posthog) {
        shapes.identify(a, t, traits);
        shapes.signedUp(a, t + 150, props);
      } else {
        shapes.signedUp(a, t, props);
        shapes.identify(a, t + 150, traits);
      }
      shapes.group(a, t + 300, account);
      stats.signups++;
      stats.weekly.signup[w]++;
      break;
    }
    case K.setup:
      shapes.track(a, t, 'Workspace Created', {
        workspace_id: u.accountId, name: u.person.company, template: rng.pick(TEMPLATES), channels: rng.int(2, 9),
      });
      u.setupDone = true;
      stats.weekly.setup[w]++;
      break;
    case K.invite:
      shapes.track(a, t, 'Invite Sent', { method: rng.chance(0.7) ? 'email' : 'link', invitee_role: rng.chance(0.9) ? 'member' : 'admin' });
      if (t < u.signupMs + AHA_DAYS * DAY_MS) u.invitesFirst7Days++;
      stats.weekly.invites[w]++;
      break;
    case K.search: {
      const scope = u.setupDone ? rng.pick(SEARCH_SCOPES) : 'help';
      shapes.track(a, t, 'Search Performed', { scope, results: rng.int(0, 40), query_length: rng.int(3, 30) });
      if (t < u.signupMs + AHA_DAYS * DAY_MS) u.searchesFirst7Days++;
      break;
    }
    case K.file:
      shapes.track(a, t, 'File Shared', { file_type: rng.pick(FILE_TYPES), size_kb: Math.round(rng.lognormal(800, 1.2)) });
      break;
    case K.integration:
      shapes.track(a, t, 'Integration Connected', { integration: INTEGRATIONS[e.arg % INTEGRATIONS.length] });
      stats.weekly.integrations[w]++;
      break;
    case K.exportStart: {
      const exportId = `exp_${hex8(hashKey(ctx.seed, u.index, u.counter++, 0xe))}`;
      const format = rng.pick(EXPORT_FORMATS);
      shapes.track(a, t, 'Export Started', { export_id: exportId, format });
      const failed = rng.chance(EXPORT_FAILURE_RATE);
      const duration = failed ? rng.int(2_000, 30_000) : Math.round(rng.lognormal(25_000, 0.8));
      // Completion and failure are emitted straight away: the sink files them under their own day.
      shapes.track(a, t + duration, failed ? 'Export Failed' : 'Export Completed', failed
        ? { export_id: exportId, format, error: rng.pick(['timeout', 'too_large', 'permission_denied']) }
        : { export_id: exportId, format, duration_ms: duration, rows: rng.int(50, 50_000) });
      break;
    }
    case K.ticket: {
      const ticketId = `tkt_${hex8(hashKey(ctx.seed, u.index, u.counter++, 0x7))}`;
      shapes.track(a, t, 'Support Ticket Opened', {
        ticket_id: ticketId, category: e.arg === 1 ? rng.pick(['billing', 'bug', 'account']) : rng.pick(TICKET_CATEGORIES),
        priority: rng.chance(0.2) ? 'high' : 'normal',
      });
      if (rng.chance(CSAT_RESPONSE_RATE)) {
        pushEntry(u.queue, { t: t + rng.int(6, 72) * HOUR_MS, kind: K.csat, arg: e.arg });
        u.lastActiveDay = Math.max(u.lastActiveDay, Math.floor((t - window.startMs) / DAY_MS) + 4);
      }
      break;
    }
    case K.csat: {
      const unhappy = e.arg === 1;
      const score = pickScore(rng, unhappy ? [0.25, 0.25, 0.25, 0.15, 0.1] : [0.05, 0.07, 0.14, 0.32, 0.42]);
      shapes.track(a, t, 'CSAT Submitted', { score });
      stats.surveyAnswers++;
      stats.csat.responses++;
      if (score >= 4) stats.csat.satisfied++;
      break;
    }
    case K.pmf: {
      const engaged = u.kui || u.paid;
      const pVery = engaged ? (u.ideal ? 0.64 : 0.46) : u.ideal ? 0.3 : 0.16;
      const r = rng.next();
      const response = r < pVery ? 'very disappointed' : r < pVery + (1 - pVery) * 0.55 ? 'somewhat disappointed' : 'not disappointed';
      shapes.track(a, t, 'Survey Answered', { survey: 'pmf', question: PMF_QUESTION, response });
      stats.surveyAnswers++;
      stats.pmf.responses++;
      if (response === 'very disappointed') stats.pmf.veryDisappointed++;
      break;
    }
    case K.nps: {
      const engaged = u.kui || u.paid;
      const r = rng.next();
      const promoter = engaged ? 0.52 : 0.26;
      const passive = engaged ? 0.3 : 0.36;
      const score = r < promoter ? rng.int(9, 10) : r < promoter + passive ? rng.int(7, 8) : Math.min(rng.int(0, 6), rng.int(2, 6));
      shapes.track(a, t, 'NPS Submitted', { score });
      stats.surveyAnswers++;
      stats.nps.responses++;
      if (score >= 9) stats.nps.promoters++;
      else if (score <= 6) stats.nps.detractors++;
      break;
    }
    case K.revisit: {
      const path = rng.pick(REVISIT_PAGES);
      const page = MARKETING_PAGES.find((p) => p.path === path)!;
      shapes.page(a, t, page.path, page.title, null);
      countVisit(ctx, u, w);
      break;
    }
    case K.secondDevice: {
      const device = ctx.ids.anonymous(u.index, 1);
      shapes.page(a, t, '/login', 'Log in — Acme Chat', null, device);
      shapes.alias(a, t + 2_000, device);
      countVisit(ctx, u, w);
      break;
    }
    default:
      billing(ctx, u, e, rng);
  }
}

function countVisit(ctx: DemoContext, u: UserState, w: number): void {
  if (u.lastVisitWeek === -1) ctx.stats.visitors++;
  if (u.lastVisitWeek !== w) {
    ctx.stats.weekly.visits[w]++;
    u.lastVisitWeek = w;
  }
}

function pickScore(rng: Rng, weights: number[]): number {
  return 1 + rng.weightedIndex(cumulative(weights));
}

function billing(ctx: DemoContext, u: UserState, e: Entry, rng: Rng): void {
  const { shapes, stats, window } = ctx;
  const a = u.actor;
  const t = e.t;
  const w = Math.floor((t - window.startMs) / WEEK_MS);
  const previous = u.mrr;
  switch (e.kind) {
    case K.upgrade: {
      if (u.paid) return;
      const plan = PLANS[rng.weightedIndex(PLAN_TABLE)];
      u.plan = plan.plan;
      u.seats = Math.min(250, Math.max(2, Math.round(Math.pow(u.companySize, 0.75) * rng.uniform(0.35, 0.9))));
      u.discounted = rng.chance(DISCOUNT_RATE);
      u.paid = true;
      u.mrr = price(u);
      shapes.track(a, t, 'Subscription Started', {
        plan: u.plan, mrr: u.mrr, seats: u.seats, billing: plan.billing, currency: 'USD',
        ...(u.discounted ? { discount: DISCOUNT } : {}),
      }, true);
      if (!u.upgradeDone) {
        u.upgradeDone = true;
        stats.weekly.upgrade[w]++;
      }
      if (!u.everPaid) {
        u.everPaid = true;
        stats.payingAccounts++;
      }
      break;
    }
    case K.reactivate: {
      if (u.paid) return;
      u.paid = true;
      u.seats = Math.max(2, Math.round(u.seats * rng.uniform(0.6, 1)));
      u.mrr = price(u);
      shapes.track(a, t, 'Subscription Started', {
        plan: u.plan, mrr: u.mrr, seats: u.seats, billing: PLAN_BY_NAME.get(u.plan)!.billing, currency: 'USD', reactivation: true,
      }, true);
      break;
    }
    case K.cancel: {
      if (!u.paid) return;
      u.paid = false;
      u.mrr = 0;
      const reason = e.arg === DOWNGRADE ? rng.pick(['too_expensive', 'missing_features']) : rng.pick(CANCELLATION_REASONS);
      shapes.track(a, t, 'Subscription Cancelled', { plan: u.plan, mrr: 0, previous_mrr: previous, reason, currency: 'USD' }, true);
      if (e.arg === DOWNGRADE && rng.chance(REACTIVATION_RATE)) {
        const back = t + rng.int(14, 42) * DAY_MS;
        if (back < window.startMs + u.lastActiveDay * DAY_MS) pushEntry(u.queue, { t: back, kind: K.reactivate, arg: 0 });
      }
      break;
    }
    case K.expand:
    case K.contract:
    case K.planUp: {
      if (!u.paid) return;
      if (e.kind === K.expand) u.seats += e.arg;
      else if (e.kind === K.contract) {
        if (u.seats <= 1) return;
        u.seats = Math.max(1, u.seats - e.arg);
      } else {
        if (u.plan !== 'team') return;
        u.plan = 'business';
      }
      u.mrr = price(u);
      shapes.track(a, t, 'Subscription Updated', {
        plan: u.plan, mrr: u.mrr, previous_mrr: previous, seats: u.seats, currency: 'USD',
        change: e.kind === K.contract ? 'contraction' : e.kind === K.expand ? 'expansion' : 'plan_upgrade',
      }, true);
      break;
    }
    default:
      throw new Error(`demo: unknown queue entry kind ${e.kind}`);
  }
  shapes.group(a, t + 500, { plan: u.paid ? u.plan : 'free', seats: u.seats }, true);
  ctx.ledger.push({ ts: t, accountId: u.accountId, mrr: u.mrr, plan: u.plan });
  stats.ledgerRows++;
  if (u.paid) stats.mrr.set(u.accountId, u.mrr);
  else stats.mrr.delete(u.accountId);
}

/** MRR in USD major units: seats x seat price (annual plans already /12), less a recurring discount. */
function price(u: UserState): number {
  const plan = PLAN_BY_NAME.get(u.plan)!;
  return Math.round(u.seats * plan.seatPrice * (u.discounted ? 1 - DISCOUNT : 1) * 100) / 100;
}
