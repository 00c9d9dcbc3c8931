import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { composeDigest } from '../src/app/reads/ritual.js';
import { parseConfig } from '../src/config/load.js';
import type { DuckDbStore } from '../src/engine/duckdb/database.js';
import { TruenorthError } from '../src/errors.js';
import { sendDigestMail } from '../src/app/digest-mail.js';
import { describeDigestTargets, digestSender, scheduleDigest } from '../src/server/digest-schedule.js';
import type { Timers } from '../src/server/scheduled-sends.js';
import { digestSlackBody } from '../src/reports/digest.js';
import { contextFor, seg, storeAt, storeFrom } from './helpers/fixture-store.js';
import { runCli } from './helpers/in-process-cli.js';
import { parseMail, PASSWORD, startSmtp, USER, type Smtp } from './helpers/smtp.js';

const PUBLIC_URL = 'https://metrics.acme.io/nsm';
const AS_OF = '2026-11-18T12:00:00Z';

// W46 (Nov 9–15): four visitors, two sign up, one sets up: signup → setup is the bottleneck, li@x its owner.
const events = [
  ...['v1', 'v2', 'v3', 'v4'].map((a, i) => seg.page({ anonymousId: a }, `2026-11-1${i}T10:00:00Z`)),
  seg.track('Signed Up', { userId: 'u1', anonymousId: 'v1' }, '2026-11-10T11:00:00Z'),
  seg.track('Signed Up', { userId: 'u2', anonymousId: 'v2' }, '2026-11-11T11:00:00Z'),
  seg.track('Workspace Created', { userId: 'u1' }, '2026-11-10T12:00:00Z'),
  seg.track('Message Sent', { userId: 'u1' }, '2026-11-10T13:00:00Z'),
];

const configYaml = (port: number, security = 'none') => `
product: Ritual
journey:
  visit: { event: Page Viewed }
  signup: { event: Signed Up, owner: maya@x.io, target_rate: 0.5 }
  setup: { event: Workspace Created, owner: li@x.io, target_rate: 0.8 }
north_star: { name: Messages, event: Message Sent, measure: count, frequency: week, owner: ceo@x.io, target: { gte: 1 } }
digest:
  day: monday
  hour: 9
  public_url: ${PUBLIC_URL}
  email:
    host: 127.0.0.1
    port: ${port}
    security: ${security}
    user: ${USER}
    from: Truenorth <truenorth@acme.io>
    to: [team@acme.io, ceo@acme.io]
`;

/** Everything written to the console or the standard streams while `work` runs. */
async function capturingOutput<T>(work: () => Promise<T>): Promise<{ result: T; output: string }> {
  let output = '';
  const spies = (['log', 'error', 'warn', 'info'] as const).map((m) => vi.spyOn(console, m).mockImplementation((...parts: unknown[]) => { output += parts.map(String).join(' ') + '\n'; }));
  try {
    return { result: await work(), output };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

let smtp: Smtp;
let store: DuckDbStore;
beforeAll(async () => {
  smtp = await startSmtp();
  store = await storeFrom(events);
});
afterAll(async () => {
  store.close();
  await smtp.close();
});
afterEach(() => {
  smtp.mails.length = 0;
  smtp.logins.length = 0;
  smtp.refuseLogins = 0;
});

const WEEK_LINK = `${PUBLIC_URL}/?week=2026-W46`;

describe('the digest by email', () => {
  it('is sent over SMTP with AUTH: text and HTML parts, the week in the subject, the link to the dashboard week', async () => {
    const yaml = configYaml(smtp.port);
    const config = parseConfig(yaml);
    const digest = await composeDigest(contextFor(store, yaml, AS_OF), config);
    const { result, output } = await capturingOutput(() => sendDigestMail(digest, config.digest!.email!, { password: PASSWORD, publicUrl: config.digest!.public_url }));
    expect(result).toBe(`2 recipients by email through 127.0.0.1:${smtp.port}`);
    expect(smtp.logins).toEqual([{ username: USER, password: PASSWORD }]);
    expect(smtp.mails).toHaveLength(1);
    const [mail] = smtp.mails;
    expect(mail.from).toBe('truenorth@acme.io');
    expect(mail.to).toEqual(['team@acme.io', 'ceo@acme.io']);
    const { subject, parts } = parseMail(mail.raw);
    expect(subject).toBe('Ritual: weekly review 2026-W46');
    expect(Object.keys(parts).sort()).toEqual(['text/html', 'text/plain']);
    expect(parts['text/plain']).toContain('# Ritual: weekly review 2026-W46');
    expect(parts['text/plain']).toContain(`Open this week on the dashboard: ${WEEK_LINK}`);
    expect(parts['text/plain']).toContain('**CEO of the week:** li@x.io (journey.setup)');
    expect(parts['text/html']).toContain('<h1>Ritual: weekly review 2026-W46</h1>');
    expect(parts['text/html']).toContain(`<a href="${WEEK_LINK}">Open this week on the dashboard</a>`);
    expect(parts['text/html']).toContain('<strong>CEO of the week:</strong> li@x.io (journey.setup)');
    expect(mail.raw).not.toContain(PASSWORD);
    expect(output).not.toContain(PASSWORD);
  });

  it('goes out on the weekly schedule; a refused login is one logged line without the password, and next week goes through', async () => {
    const yaml = configYaml(smtp.port);
    const config = parseConfig(yaml);
    let clock = Date.parse('2026-11-15T12:00:00Z');
    const pending: { at: number; fn: () => void }[] = [];
    const timers: Timers = {
      now: () => clock,
      setTimeout: (fn, ms) => { const t = { at: clock + ms, fn }; pending.push(t); return t; },
      clearTimeout: (h) => { const i = pending.indexOf(h as never); if (i >= 0) pending.splice(i, 1); },
    };
    const sender = digestSender(config, config.digest!, (asOf) => contextFor(store, yaml, new Date(asOf).toISOString()), { smtpPassword: PASSWORD });
    const log: string[] = [];
    const delivered = () => new Promise<void>((resolve) => { const poll = () => (log.length > sent ? resolve() : setTimeout(poll, 10)); poll(); });
    let sent = 0;
    smtp.refuseLogins = 1;
    const { output } = await capturingOutput(async () => {
      const scheduler = scheduleDigest(config.digest!, config.timezone, sender, (line) => log.push(line), timers);
      for (const due of ['2026-11-16T09:00:00.000Z', '2026-11-23T09:00:00.000Z']) {
        expect(new Date(scheduler.next()).toISOString()).toBe(due);
        const t = pending.shift()!;
        clock = t.at;
        t.fn();
        await delivered();
        sent++;
      }
      scheduler.stop();
    });
    expect(log).toHaveLength(2);
    expect(log[0]).toMatch(new RegExp(`^the weekly digest failed: email: 127\\.0\\.0\\.1:${smtp.port} did not take the 2026-W46 digest \\(.*535.*\\)$`));
    expect(log[1]).toBe(`sent the 2026-W47 digest to 2 recipients by email through 127.0.0.1:${smtp.port}`);
    expect(smtp.logins).toEqual([{ username: USER, password: PASSWORD }, { username: USER, password: PASSWORD }]);
    expect(smtp.mails).toHaveLength(1);
    expect(parseMail(smtp.mails[0].raw).subject).toBe('Ritual: weekly review 2026-W47');
    expect(log.join('\n') + output).not.toContain(PASSWORD);
  });

  it('refuses in one line: a wrong password, no password, a server that cannot STARTTLS', async () => {
    const config = parseConfig(configYaml(smtp.port));
    const digest = await composeDigest(contextFor(store, configYaml(smtp.port), AS_OF), config);
    const email = config.digest!.email!;
    const wrong = await sendDigestMail(digest, email, { password: 'not-the-password' }).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(TruenorthError);
    expect((wrong as TruenorthError).code).toBe('delivery_failed');
    expect((wrong as Error).message).toMatch(new RegExp(`^email: 127\\.0\\.0\\.1:${smtp.port} did not take the 2026-W46 digest \\([^\\n]*535[^\\n]*\\)$`));
    expect((wrong as Error).message).not.toContain('not-the-password');

    await expect(sendDigestMail(digest, email, {})).rejects.toThrow(`email: 127.0.0.1:${smtp.port} needs the password of truenorth; set TRUENORTH_SMTP_PASSWORD`);

    const starttls = (await sendDigestMail(digest, { ...email, security: 'starttls' }, { password: PASSWORD }).catch((e: unknown) => e)) as TruenorthError;
    expect(starttls.code).toBe('delivery_failed');
    expect(starttls.message).toMatch(new RegExp(`^email: 127\\.0\\.0\\.1:${smtp.port} did not take the 2026-W46 digest \\([^\\n]*STARTTLS[^\\n]*\\)$`));
    // Asked for STARTTLS, the client never sends the password over the plain connection.
    expect(smtp.logins).toEqual([{ username: USER, password: 'not-the-password' }]);
    expect(smtp.mails).toHaveLength(0);
  });

  it('a failing webhook does not keep the file and the email from going out; the failure names it and what went through', async () => {
    const yaml = configYaml(smtp.port);
    const config = parseConfig(yaml);
    const out = join(mkdtempSync(join(tmpdir(), 'tn-digest-targets-')), 'review.md');
    const sender = digestSender(config, { ...config.digest!, out }, (asOf) => contextFor(store, yaml, new Date(asOf).toISOString()), { webhook: 'http://127.0.0.1:1/hook', smtpPassword: PASSWORD });
    const failure = (await sender.send(Date.parse(AS_OF)).catch((e: unknown) => e)) as TruenorthError;
    expect(failure.code).toBe('delivery_failed');
    expect(failure.message).toMatch(new RegExp(`^webhook: could not reach http://127\\.0\\.0\\.1:1 \\([^\\n]*\\); sent to ${out.replace(/[.]/g, '\\.')} and 2 recipients by email through 127\\.0\\.0\\.1:${smtp.port}$`));
    expect(readFileSync(out, 'utf8')).toContain(`Open this week on the dashboard: ${WEEK_LINK}`);
    expect(smtp.mails).toHaveLength(1);
  });

  it('says where the digest goes when serve starts, and what is missing', () => {
    const schedule = parseConfig(configYaml(2525)).digest!;
    expect(describeDigestTargets(schedule, { smtpPassword: PASSWORD })).toBe('to 2 recipients by email through 127.0.0.1:2525');
    expect(describeDigestTargets({ ...schedule, out: 'review.md' }, { webhook: 'https://hooks.example/x' }))
      .toBe('to the webhook and review.md and 2 recipients by email through 127.0.0.1:2525 (TRUENORTH_SMTP_PASSWORD is not set: the email cannot be sent)');
    const { port: _port, ...defaultPort } = schedule.email!;
    expect(describeDigestTargets({ ...schedule, email: { ...defaultPort, security: 'tls', to: ['a@acme.io'] } }, { smtpPassword: PASSWORD }))
      .toBe('to 1 recipient by email through 127.0.0.1:465');
    expect(describeDigestTargets({ ...schedule, email: undefined }, {})).toBe('to nowhere (set digest.out, digest.email, digest.webhook or TRUENORTH_DIGEST_WEBHOOK)');
  });

  it('links the webhook body to the dashboard week too', async () => {
    const yaml = configYaml(smtp.port);
    const digest = await composeDigest(contextFor(store, yaml, AS_OF), parseConfig(yaml));
    const body = digestSlackBody(digest, WEEK_LINK);
    expect(body.blocks[body.blocks.length - 1]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: `<${WEEK_LINK}|Open this week on the dashboard>` } });
  });

  it('keeps the password out of truenorth.yaml', () => {
    expect(() => parseConfig(configYaml(smtp.port).replace(`user: ${USER}`, `user: ${USER}\n    password: hunter2`)))
      .toThrow('the SMTP password does not belong in truenorth.yaml: set TRUENORTH_SMTP_PASSWORD in the environment');
    expect(() => parseConfig(configYaml(smtp.port).replace('to: [team@acme.io, ceo@acme.io]', 'to: [team]')))
      .toThrow('expected an address like team@acme.io or "Truenorth <truenorth@acme.io>", got "team"');
  });

  it('`truenorth digest --email` sends to the configured recipients or to the ones given', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tn-digest-email-'));
    const db = join(dir, 'truenorth.duckdb');
    const configPath = join(dir, 'truenorth.yaml');
    (await storeAt(db, events)).close();
    writeFileSync(configPath, configYaml(smtp.port));
    const cli = (args: string[]) => runCli(['--db', db, '--config', configPath, 'digest', '--as-of', AS_OF, ...args], { TRUENORTH_SMTP_PASSWORD: PASSWORD });

    const { result: configured, output: said } = await capturingOutput(() => cli(['--email']));
    expect(configured).toMatchObject({ code: 0, stdout: '' });
    expect(said).toBe(`sent the 2026-W46 digest to 2 recipients by email through 127.0.0.1:${smtp.port}\n`);
    const given = await cli(['--email', 'ops@acme.io, Data Team <data@acme.io>']);
    expect(given.code).toBe(0);
    expect(smtp.mails.map((m) => m.to)).toEqual([['team@acme.io', 'ceo@acme.io'], ['ops@acme.io', 'data@acme.io']]);
    expect(parseMail(smtp.mails[1].raw).parts['text/plain']).toContain(`Open this week on the dashboard: ${WEEK_LINK}`);

    const printed = await cli([]);
    expect(printed.stdout).toContain(`# Ritual: weekly review 2026-W46\n\nOpen this week on the dashboard: ${WEEK_LINK}\n`);
    const bad = await cli(['--email', 'ops']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--email: expected comma-separated addresses like team@acme.io, got "ops"');
    writeFileSync(configPath, configYaml(smtp.port).replace(/\n {2}email:[\s\S]*$/, '\n'));
    const unconfigured = await cli(['--email']);
    expect(unconfigured.code).toBe(1);
    expect(unconfigured.stderr).toContain('--email: no mail server configured; add digest.email (host, from, to) to truenorth.yaml');
    expect(smtp.mails).toHaveLength(2);
    expect(said + configured.stderr + given.stderr + printed.stdout + bad.stderr).not.toContain(PASSWORD);
  });
});
