import { SMTP_PASSWORD_ENV, type DigestEmail } from '../config/schema/index.js';
import { TruenorthError } from '../errors.js';
import { dashboardWeekUrl, digestHtml, digestMarkdown, type Digest } from '../reports/digest.js';

const DEFAULT_PORT = { tls: 465, starttls: 587, none: 25 } as const;
const CONNECT_TIMEOUT_MS = 10_000;
const SEND_TIMEOUT_MS = 30_000;

/** `host:port` of the SMTP server, the port defaulting by `security`. */
export function smtpAddress(settings: Pick<DigestEmail, 'host' | 'port' | 'security'>): string {
  return `${settings.host}:${settings.port ?? DEFAULT_PORT[settings.security]}`;
}

/** The plain-text and HTML parts with their subject; `publicUrl` adds the link to the dashboard's week. */
export function digestMail(digest: Digest, publicUrl?: string): { subject: string; text: string; html: string } {
  const link = publicUrl ? dashboardWeekUrl(publicUrl, digest.week) : undefined;
  return { subject: `${digest.product}: weekly review ${digest.week}`, text: digestMarkdown(digest, link), html: digestHtml(digest, link) };
}

/**
 * Emails the digest over SMTP and resolves to who took it ("2 recipients by email through host:port"). The password is only handed to the
 * SMTP conversation: no message, outcome or log line carries it.
 */
export function sendDigestMail(digest: Digest, settings: DigestEmail, options: { password?: string; publicUrl?: string }): Promise<string> {
  return sendMail(settings, digestMail(digest, options.publicUrl), `the ${digest.week} digest`, options.password);
}

/** Sends one message through the digest's SMTP settings to their recipients; `what` names it in a refusal ("the 2026-W47 digest"). */
export async function sendMail(settings: DigestEmail, message: { subject: string; text: string; html: string }, what: string, password?: string): Promise<string> {
  const port = settings.port ?? DEFAULT_PORT[settings.security];
  const where = smtpAddress(settings);
  if (settings.user && !password) {
    throw new TruenorthError('delivery_failed', `email: ${where} needs the password of ${settings.user}; set ${SMTP_PASSWORD_ENV}`);
  }
  const { createTransport } = await import('nodemailer');
  const transport = createTransport({
    host: settings.host,
    port,
    secure: settings.security === 'tls',
    requireTLS: settings.security === 'starttls',
    ignoreTLS: settings.security === 'none',
    auth: settings.user ? { user: settings.user, pass: password } : undefined,
    connectionTimeout: CONNECT_TIMEOUT_MS,
    greetingTimeout: CONNECT_TIMEOUT_MS,
    socketTimeout: SEND_TIMEOUT_MS,
    logger: false,
  });
  try {
    const info = await transport.sendMail({ from: settings.from, to: settings.to, ...message });
    const refused = info.rejected.map(String);
    const taken = settings.to.length - refused.length;
    return `${taken} recipient${taken === 1 ? '' : 's'} by email through ${where}${refused.length ? ` (refused: ${refused.join(', ')})` : ''}`;
  } catch (e) {
    const said = oneLine((e as Error).message, password);
    throw new TruenorthError('delivery_failed', `email: ${where} did not take ${what} (${said})`);
  } finally {
    transport.close();
  }
}

/** A mail server's answer on one line, with the password blanked should a server ever echo it. */
function oneLine(message: string, password: string | undefined): string {
  const flat = message.replace(/\s+/g, ' ').trim();
  return password ? flat.split(password).join('***') : flat;
}
