/**
 * The alerts `serve` delivers on its own (docs/alerts.md): every `alerts.every_minutes` it judges the
 * alerts as of now, fires each condition not fired before (shared by every server on the store, with
 * the cooldown) and sends the new ones to the webhook, the owners mentioned, and by email.
 */
import { ALERTS_WEBHOOK_ENV, SMTP_PASSWORD_ENV, type Config } from '../config/schema/index.js';
import { DAY_MS, MINUTE_MS } from '../model/time.js';
import { sendMail } from '../app/digest-mail.js';
import { computeAlerts } from '../app/reads/alerts.js';
import { alertsMail, alertsSlackBody, type LinkedAlert } from '../reports/alerts-text.js';
import type { ReportContext } from '../reports/context.js';
import { postWebhook } from '../reports/ritual.js';
import { deliveryFailed, emailTarget, realTimers, repeatUntilStopped, sendToEach, type Timers } from './scheduled-sends.js';

/** The alerts' secrets, from the environment first: the webhook URL and the SMTP password. */
export interface AlertSecrets {
  webhook?: string;
  smtpPassword?: string;
}

export function alertSecretsFromEnv(config: Config): AlertSecrets {
  const webhook = process.env[ALERTS_WEBHOOK_ENV] || config.alerts.webhook || process.env.TRUENORTH_DIGEST_WEBHOOK || config.digest?.webhook;
  return { webhook: webhook || undefined, smtpPassword: process.env[SMTP_PASSWORD_ENV] };
}

/** Fires one condition among every server sharing the control store (engine/control.ts, AlertFirings). */
export type AlertFire = (key: string, subject: string, at: number, cooldownMs: number) => Promise<boolean>;

/** Where the alerts go, for `serve`'s first lines; undefined when nowhere (the schedule then does not start). */
export function describeAlertTargets(config: Config, secrets: AlertSecrets): string | undefined {
  const email = config.alerts.email ? config.digest?.email : undefined;
  const targets = [...(secrets.webhook ? ['the webhook'] : []), ...(email ? [emailTarget(email)] : [])];
  return targets.length ? targets.join(' and ') : undefined;
}

export interface AlertRunner {
  /** Judges the alerts as of `now`, fires the new ones and sends them; resolves to a one-line outcome for the log. */
  run(now: number): Promise<string>;
}

export function alertRunner(config: Config, context: (asOf: number) => ReportContext, secrets: AlertSecrets, fire: AlertFire): AlertRunner {
  const cooldownMs = config.alerts.cooldown * DAY_MS;
  return {
    async run(now) {
      const report = await computeAlerts(context(now), config);
      const won = await Promise.all(report.alerts.map((a) => fire(a.key, `${a.kind}:${a.row}`, now, cooldownMs)));
      const fresh = report.alerts.filter((_, i) => won[i]);
      if (fresh.length === 0) return `alerts as of ${report.day}: ${report.alerts.length} firing, none new`;
      const sent = await deliver(config, fresh, secrets);
      return `alerts as of ${report.day}: sent ${fresh.map((a) => a.key).join(', ')} to ${sent}`;
    },
  };
}

/** Sends to every target; one that fails does not keep the others from theirs. Neither secret reaches a message. */
async function deliver(config: Config, alerts: LinkedAlert[], secrets: AlertSecrets): Promise<string> {
  const sends: Promise<string>[] = [];
  const { webhook, smtpPassword } = secrets;
  if (webhook) sends.push(postWebhook(webhook, alertsSlackBody(config.product, alerts, config.alerts.owners)).then(() => 'the webhook'));
  const email = config.alerts.email ? config.digest?.email : undefined;
  if (email) sends.push(sendMail(email, alertsMail(config.product, alerts), `${alerts.length} alert${alerts.length === 1 ? '' : 's'}`, smtpPassword));
  const { done, failed } = await sendToEach(sends);
  if (failed.length) throw deliveryFailed(failed, done);
  return done.join(' and ') || 'nowhere';
}

/** Runs the alerts every `everyMinutes` until stopped; a run that fails is logged and the next one comes on time. */
export function scheduleAlerts(
  everyMinutes: number, runner: AlertRunner, log: (line: string) => void, timers: Timers = realTimers,
): { stop(): void; next(): number } {
  const every = everyMinutes * MINUTE_MS;
  return repeatUntilStopped({
    first: timers.now() + every,
    next: (due, now) => Math.max(due + every, now),
    run: (now) => runner.run(now),
    failed: 'the alerts failed',
  }, log, timers);
}
