import { writeFileSync } from 'node:fs';
import type { Config, DigestSchedule } from '../config/schema/index.js';
import { SMTP_PASSWORD_ENV, WEEKDAYS } from '../config/schema/index.js';
import { addPeriods, HOUR_MS, localDateOf, startOfLocalDate } from '../model/time.js';
import type { ReportContext } from '../reports/context.js';
import { dashboardWeekUrl, digestHtml, digestMarkdown, digestSlackBody, type Digest } from '../reports/digest.js';
import { sendDigestMail } from '../app/digest-mail.js';
import { composeDigest } from '../app/reads/ritual.js';
import { postWebhook } from '../reports/ritual.js';
import { deliveryFailed, emailTarget, realTimers, repeatUntilStopped, sendToEach, type Timers } from './scheduled-sends.js';


/**
 * The next instant after `now` that is `day` at `hour`:00 local time in `timezone` (an hour that a
 * daylight-saving change skips fires at the first instant after it).
 */
export function nextDigestTime(now: number, schedule: Pick<DigestSchedule, 'day' | 'hour'>, timezone: string): number {
  const today = localDateOf(now, timezone);
  const weekday = (new Date(Date.UTC(today.year, today.month - 1, today.day)).getUTCDay() + 6) % 7; // 0 = Monday
  const target = WEEKDAYS.indexOf(schedule.day);
  for (let ahead = (target - weekday + 7) % 7; ; ahead += 7) {
    const date = addPeriods(today, 'day', ahead);
    const at = startOfLocalDate(date, timezone) + schedule.hour * HOUR_MS;
    // Midnight plus whole hours is the local hour except on a DST change day; correct for it.
    const drift = localHour(at, timezone) - schedule.hour;
    const corrected = at - drift * HOUR_MS;
    const fire = drift !== 0 && localHour(corrected, timezone) === schedule.hour ? corrected : at;
    if (fire > now) return fire;
  }
}

function localHour(ms: number, timezone: string): number {
  return Number(new Intl.DateTimeFormat('en-US', { timeZone: timezone, hour: 'numeric', hourCycle: 'h23' }).format(new Date(ms)));
}

export interface DigestSender {
  /** Sends the digest of the last complete week; resolves to a one-line outcome for the log. */
  send(now: number): Promise<string>;
}

/** The digest's secrets, from the environment: the webhook URL and the SMTP password. */
export interface DigestSecrets {
  webhook?: string;
  smtpPassword?: string;
}

const secretsFromEnv = (schedule: DigestSchedule): DigestSecrets => ({
  webhook: process.env.TRUENORTH_DIGEST_WEBHOOK ?? schedule.webhook,
  smtpPassword: process.env[SMTP_PASSWORD_ENV],
});

const NO_TARGET = 'nowhere (set digest.out, digest.email, digest.webhook or TRUENORTH_DIGEST_WEBHOOK)';

/** Where the digest goes, for `serve`'s first lines, with what is missing for a target to work. */
export function describeDigestTargets(schedule: DigestSchedule, secrets = secretsFromEnv(schedule)): string {
  const { email } = schedule;
  const targets = [
    ...(secrets.webhook ? ['the webhook'] : []),
    ...(schedule.out ? [schedule.out] : []),
    ...(email ? [emailTarget(email)] : []),
  ];
  const where = targets.length ? `to ${targets.join(' and ')}` : `to ${NO_TARGET}`;
  const missing = email?.user && !secrets.smtpPassword ? ` (${SMTP_PASSWORD_ENV} is not set: the email cannot be sent)` : '';
  return where + missing;
}

/**
 * Claims the sending of `week`'s digest to `target` among every server sharing the control store:
 * true for exactly one of them (engine/control.ts, DigestClaims).
 */
export type DigestClaim = (week: string, target: string) => Promise<boolean>;

/** Each configured target: its name (what a claim names) and a send that resolves to what took the digest. */
function digestTargets(digest: Digest, schedule: DigestSchedule, secrets: DigestSecrets): { target: string; send: () => Promise<string> }[] {
  const link = schedule.public_url ? dashboardWeekUrl(schedule.public_url, digest.week) : undefined;
  const targets: { target: string; send: () => Promise<string> }[] = [];
  const { webhook } = secrets;
  if (webhook) targets.push({ target: 'webhook', send: async () => (await postWebhook(webhook, digestSlackBody(digest, link)), 'the webhook') });
  const { out, email } = schedule;
  if (out) {
    targets.push({
      target: `file:${out}`,
      send: async () => {
        writeFileSync(out, schedule.format === 'json' ? JSON.stringify(digest, null, 2) : schedule.format === 'html' ? digestHtml(digest, link) : digestMarkdown(digest, link));
        return out;
      },
    });
  }
  if (email) targets.push({ target: 'email', send: () => sendDigestMail(digest, email, { password: secrets.smtpPassword, publicUrl: schedule.public_url }) });
  return targets;
}

/**
 * Sends by webhook (Slack-compatible body), to a file and/or by email; a target that fails does not
 * keep the others from theirs. Neither the webhook URL nor the SMTP password is ever logged. With
 * `claim`, a target goes only from the server whose claim on it wins: several servers sharing one
 * store send each week's digest once.
 */
export function digestSender(
  config: Config, schedule: DigestSchedule, context: (asOf: number) => ReportContext, secrets = secretsFromEnv(schedule), claim?: DigestClaim,
): DigestSender {
  return {
    async send(now: number) {
      const digest = await composeDigest(context(now), config);
      const targets = digestTargets(digest, schedule, secrets);
      const won = claim ? await Promise.all(targets.map((t) => claim(digest.week, t.target))) : targets.map(() => true);
      const ours = targets.filter((_, i) => won[i]);
      if (targets.length > 0 && ours.length === 0) return `the ${digest.week} digest was sent by another server`;
      const { done, failed } = await sendToEach(ours.map((t) => t.send()));
      if (failed.length === 1 && done.length === 0) throw failed[0];
      if (failed.length) throw deliveryFailed(failed, done);
      return `sent the ${digest.week} digest to ${done.join(' and ') || NO_TARGET}`;
    },
  };
}

/** Sends the digest every week at the configured day and hour until stopped. */
export function scheduleDigest(
  schedule: DigestSchedule, timezone: string, sender: DigestSender, log: (line: string) => void, timers: Timers = realTimers,
): { stop(): void; next(): number } {
  return repeatUntilStopped({
    first: nextDigestTime(timers.now(), schedule, timezone),
    next: (due, now) => nextDigestTime(Math.max(now, due), schedule, timezone),
    run: (now) => sender.send(now),
    failed: 'the weekly digest failed',
  }, log, timers);
}
