/** The alerts delivered by `serve`'s schedule: a real webhook receiver and a real SMTP conversation, the fired state in the store. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TruenorthServer } from '../src/server/app.js';
import { parseConfig } from '../src/config/load.js';
import { modelFromConfig } from '../src/config/model.js';
import type { DuckDbStore } from '../src/engine/duckdb/database.js';
import { duckDbControl } from '../src/engine/duckdb/control.js';
import { reportContext } from '../src/reports/context.js';
import { alertRunner, scheduleAlerts, type AlertFire } from '../src/server/alert-schedule.js';
import type { Timers } from '../src/server/scheduled-sends.js';
import { deliverySecrets, Redactor } from '../src/server/redact.js';
import { ALERT_CONFIG, alertStore, startWebhook } from './helpers/alert-fixture.js';
import { parseMail, PASSWORD, startSmtp, USER, type Smtp } from './helpers/smtp.js';

// 100 messages a day for nine weeks, 40 a day from Tuesday 2026-11-24: judged on Thursday morning.
const AS_OF = Date.parse('2026-11-26T06:00:00Z');
let store: DuckDbStore;
let smtp: Smtp;
let hook: Awaited<ReturnType<typeof startWebhook>>;

beforeAll(async () => {
  store = await alertStore({ from: '2026-09-21', to: '2026-11-27', perDay: 100, dropFrom: '2026-11-24', dropped: 40 });
  smtp = await startSmtp();
  hook = await startWebhook();
}, 60_000);

afterAll(async () => {
  await store?.close();
  await smtp?.close();
  await hook?.close();
});

function setup(extra = '') {
  const config = parseConfig(ALERT_CONFIG(`  email: true
digest:
  email: { host: 127.0.0.1, port: ${smtp.port}, security: none, user: ${USER}, from: truenorth@acme.io, to: [ceo@acme.io] }
${extra}`));
  const model = modelFromConfig(config);
  return { config, context: (asOf: number) => reportContext(store, model, asOf) };
}

describe('delivering the alerts', () => {
  it('sends a new alert once to the webhook, the owner mentioned, and by email; later runs and other servers send nothing', async () => {
    const { config, context } = setup();
    const control = duckDbControl(store);
    const fireAs = (server: string): AlertFire => (key, subject, at, cooldown) => control.alertFirings.fire(key, subject, server, at, cooldown);
    const secrets = { webhook: hook.url, smtpPassword: PASSWORD };
    const [a, b] = ['server a', 'server b'].map((server) => alertRunner(config, context, secrets, fireAs(server)));
    const outcomes = await Promise.all([a.run(AS_OF), b.run(AS_OF)]);
    expect(outcomes.sort()).toEqual([
      'alerts as of 2026-11-25: 1 firing, none new',
      'alerts as of 2026-11-25: sent anomaly:north_star:2026-W48 to the webhook and 1 recipient by email through 127.0.0.1:' + smtp.port,
    ].sort());
    expect(hook.bodies).toHaveLength(1);
    const body = hook.bodies[0] as { text: string; blocks: { text: { text: string } }[] };
    // Monday to Wednesday: 100 + 40 + 40 = 180 against 300, z = −120 / √300 = −6.93 (the day alone: −60 / √100 = −6).
    const what = 'Messages sent so far this week (to 2026-11-25): 180, 40 % below the usual 300 by this weekday (z = -6.9), since 2026-11-24';
    expect(body.text).toBe(`Acme: 1 alert\n<@U123> ${what}`);
    expect(body.blocks[0].text.text).toBe(`*Anomaly* (<@U123>): ${what} <https://metrics.acme.io/nsm/?week=2026-W48|Open the week>`);
    expect(smtp.mails).toHaveLength(1);
    const mail = parseMail(smtp.mails[0].raw);
    expect(mail.subject).toBe(`Acme: ${what}`);
    expect(mail.parts['text/plain']).toContain(`Anomaly: ${what} · owner ceo@acme.io · https://metrics.acme.io/nsm/?week=2026-W48`);
    // An hour later: the same condition, already fired.
    expect(await a.run(AS_OF + 3_600_000)).toBe('alerts as of 2026-11-25: 1 firing, none new');
    expect(hook.bodies).toHaveLength(1);
    expect(smtp.mails).toHaveLength(1);
  });

  it('says which target failed without its secret, and still sends to the other', async () => {
    const { config, context } = setup();
    hook.status = 500;
    const before = smtp.mails.length;
    const fresh: AlertFire = async () => true;
    try {
      const error = await alertRunner(config, context, { webhook: hook.url, smtpPassword: 'wrong-password-QQQ' }, fresh).run(AS_OF).catch((e: Error) => e);
      expect(error).toBeInstanceOf(Error);
      const message = (error as Error).message;
      expect(message).toMatch(/^webhook: http:\/\/127\.0\.0\.1:\d+ answered 500; email: 127\.0\.0\.1:\d+ did not take 1 alert \(.*535.*\); sent to nowhere$/);
      expect(message).not.toContain('secret-path-XYZ123456789');
      expect(message).not.toContain('wrong-password-QQQ');
      hook.status = 200;
      expect(await alertRunner(config, context, { webhook: hook.url, smtpPassword: 'wrong-password-QQQ' }, fresh).run(AS_OF).catch((e: Error) => e.message))
        .toMatch(/^email: .* did not take 1 alert .*; sent to the webhook$/);
      expect(smtp.mails.length).toBe(before);
    } finally {
      hook.status = 200;
    }
  });
});

describe('the alert schedule', () => {
  it('runs every N minutes; a failed run is logged and the next comes on time', async () => {
    let now = 0;
    const pending: { at: number; fn: () => void }[] = [];
    const timers: Timers = { now: () => now, setTimeout: (fn, ms) => pending.push({ at: now + ms, fn }), clearTimeout: () => undefined };
    const log: string[] = [];
    let runs = 0;
    const schedule = scheduleAlerts(30, { run: async (at) => { runs++; if (runs === 1) throw new Error('webhook: http://hooks.example answered 500'); return `ran at ${at}`; } }, (l) => log.push(l), timers);
    expect(schedule.next()).toBe(30 * 60_000);
    for (let i = 0; i < 3; i++) {
      const next = pending.shift()!;
      now = next.at;
      next.fn();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(log).toEqual(['the alerts failed: webhook: http://hooks.example answered 500', `ran at ${60 * 60_000}`, `ran at ${90 * 60_000}`]);
    schedule.stop();
  });
});

describe('the delivery secrets', () => {
  it('are scrubbed from every line serve writes', () => {
    const url = 'https://hooks.slack.com/services/T000/B000/abcdefghijklmnop';
    const redactor = new Redactor(deliverySecrets({ TRUENORTH_ALERTS_WEBHOOK: url, TRUENORTH_SMTP_PASSWORD: 'hunter2-smtp-pass' }));
    expect(redactor.scrub(`posting to ${url} with hunter2-smtp-pass`)).not.toMatch(/abcdefghijklmnop|hunter2-smtp-pass/);
  });
});

describe('the alerts read over HTTP', () => {
  it('answers the planted drop with its owner and the link to the week', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'truenorth-alerts-'));
    const fileStore = await alertStore({ from: '2026-09-21', to: '2026-11-27', perDay: 100, dropFrom: '2026-11-24', dropped: 40 }, join(dir, 'db.duckdb'));
    writeFileSync(join(dir, 'truenorth.yaml'), ALERT_CONFIG());
    const server = await TruenorthServer.create({ store: fileStore, port: 0, configPath: join(dir, 'truenorth.yaml'), logger: false });
    try {
      const url = await server.listen();
      const res = await fetch(`${url}/api/v1/alerts?as_of=2026-11-26T06:00:00Z`);
      expect(res.status).toBe(200);
      const body = await res.json() as { day: string; week: string; alerts: { key: string; owner: string; since: string; link: string }[] };
      expect(body).toMatchObject({ day: '2026-11-25', week: '2026-W48' });
      expect(body.alerts.map(({ key, owner, since, link }) => ({ key, owner, since, link }))).toEqual([
        { key: 'anomaly:north_star:2026-W48', owner: 'ceo@acme.io', since: '2026-11-24', link: 'https://metrics.acme.io/nsm/?week=2026-W48' },
      ]);
      // A week before the drop: nothing fires.
      expect((await (await fetch(`${url}/api/v1/alerts?week=2026-W47&as_of=2026-11-26T06:00:00Z`)).json() as { alerts: unknown[] }).alerts).toEqual([]);
    } finally {
      await server.close();
      await fileStore.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
