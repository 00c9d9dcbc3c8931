/** A real SMTP server on localhost (smtp-server) for the tests of emailed digests and alerts, and a reader of what it kept. */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export const USER = 'truenorth';
export const PASSWORD = 'pw-9f3c1e-never-logged';

export interface Mail { from: string; to: string[]; raw: string }
export interface Smtp { port: number; logins: { username?: string | null; password?: string | null }[]; mails: Mail[]; refuseLogins: number; close(): Promise<void> }

/** A real SMTP server on localhost that requires AUTH (PLAIN or LOGIN) and keeps every message. */
export async function startSmtp(): Promise<Smtp> {
  const smtp: Omit<Smtp, 'port' | 'close'> = { logins: [], mails: [], refuseLogins: 0 };
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, done) {
      smtp.logins.push({ username: auth.username, password: auth.password });
      if (smtp.refuseLogins > 0) {
        smtp.refuseLogins--;
        return done(Object.assign(new Error('Authentication failed, try again later'), { responseCode: 535 }));
      }
      if (auth.username === USER && auth.password === PASSWORD) return done(null, { user: USER });
      done(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const from = session.envelope.mailFrom;
        smtp.mails.push({ from: from ? from.address : '', to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        done();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return Object.assign(smtp, { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) });
}

const decodeQuotedPrintable = (body: string) =>
  Buffer.from(body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8');

/** The message's headers and its parts by content type, decoded. */
export function parseMail(raw: string): { subject: string; parts: Record<string, string> } {
  const [head] = raw.split('\r\n\r\n');
  const subject = /^Subject: (.*(?:\r\n[ \t].*)*)/m.exec(head)![1].replace(/\r\n[ \t]/g, ' ');
  const boundary = /boundary="?([^";\r\n]+)"?/.exec(head)![1];
  const parts: Record<string, string> = {};
  for (const chunk of raw.split(`--${boundary}`).slice(1, -1)) {
    const [partHead, ...rest] = chunk.replace(/^\r\n/, '').split('\r\n\r\n');
    const body = rest.join('\r\n\r\n');
    const type = /content-type:\s*([^;\r\n]+)/i.exec(partHead)![1];
    const encoding = /content-transfer-encoding:\s*(\S+)/i.exec(partHead)?.[1].toLowerCase();
    parts[type] = encoding === 'base64' ? Buffer.from(body, 'base64').toString('utf8') : encoding === 'quoted-printable' ? decodeQuotedPrintable(body) : body;
  }
  return { subject, parts };
}

