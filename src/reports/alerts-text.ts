/** The alerts as people read them: one line each, the chat message with owners mentioned, the email. */
import type { Alert, AlertKind } from './alerts.js';

export const KIND_LABELS: Readonly<Record<AlertKind, string>> = {
  off_pace: 'Off pace', anomaly: 'Anomaly', funnel_step: 'Funnel step', retention_cohort: 'Retention cohort',
};

/** What an alert carries once the app knows where the dashboard is. */
export type LinkedAlert = Alert & { link: string | null };

/** Who owns it: the owner's chat handle when the owners map has one, else the owner; "no owner" stands out. */
export function ownerMention(alert: Pick<Alert, 'owner'>, handles: Readonly<Record<string, string>> = {}): string {
  if (!alert.owner) return 'no owner';
  return handles[alert.owner] ?? alert.owner;
}

/** `Anomaly · Signups on …, since … · owner <@U123> · https://…` */
export function alertLine(alert: LinkedAlert, handles?: Readonly<Record<string, string>>): string {
  return [`${KIND_LABELS[alert.kind]}: ${alert.what}`, `owner ${ownerMention(alert, handles)}`, ...(alert.link ? [alert.link] : [])].join(' · ');
}

/** The Slack-compatible webhook body: a headline and one section per alert, the owner mentioned. */
export function alertsSlackBody(product: string, alerts: readonly LinkedAlert[], handles: Readonly<Record<string, string>>): { text: string; blocks: unknown[] } {
  const headline = `${product}: ${alerts.length} alert${alerts.length === 1 ? '' : 's'}`;
  const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
  const blocks = alerts.map((a) => section(`*${KIND_LABELS[a.kind]}* (${ownerMention(a, handles)}): ${a.what}${a.link ? ` <${a.link}|Open the week>` : ''}`));
  return { text: [headline, ...alerts.map((a) => `${ownerMention(a, handles)} ${a.what}`)].join('\n'), blocks };
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The email: subject, a plain-text part and an HTML part, one item per alert. */
export function alertsMail(product: string, alerts: readonly LinkedAlert[]): { subject: string; text: string; html: string } {
  const subject = `${product}: ${alerts.length === 1 ? alerts[0].what : `${alerts.length} alerts`}`;
  const text = alerts.map((a) => `- ${alertLine(a)}`).join('\n') + '\n';
  const item = (a: LinkedAlert) =>
    `<li><strong>${KIND_LABELS[a.kind]}</strong> (${escapeHtml(a.owner ?? 'no owner')}): ${escapeHtml(a.what)}${a.link ? ` <a href="${escapeHtml(a.link)}">Open the week</a>` : ''}</li>`;
  return { subject, text, html: `<ul>${alerts.map(item).join('')}</ul>` };
}
