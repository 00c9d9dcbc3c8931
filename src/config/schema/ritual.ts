/** The weekly ritual (OKRs, scorecard, digest), retention, and where the data and the server live. */
import { z } from 'zod';
import { filterSchema } from './filters.js';
import { show, strictMap } from './messages.js';
import { didYouMean } from '../../model/suggest.js';
import { eventName, httpUrl, isoDate, text } from './scalars.js';

const keyResultSchema = strictMap(
  { metric: text, from: z.number(), to: z.number(), due: isoDate.optional() },
  'a key result like { metric: journey.setup, from: 0.25, to: 0.40 }',
);
export const okrSchema = strictMap(
  { objective: text, due: isoDate, key_results: z.array(keyResultSchema).min(1) },
  'an OKR like { objective: ..., due: 2026-12-31, key_results: [...] }',
);
export type KeyResult = z.output<typeof keyResultSchema>;
export type Okr = z.output<typeof okrSchema>;

export const scorecardSchema = strictMap(
  {
    weeks: z.number().int().min(1).max(104).default(13),
    /** Which of `metrics` are scorecard rows (default: all); the North Star, journey and health always are. */
    rows: z.array(text).optional(),
  },
  'a mapping like { weeks: 13 }',
);

/** "Why it moved": the trait the week-over-week change is also split by (`user.plan`, `account.industry`). */
export const whySchema = strictMap(
  {
    breakdown: z.string().regex(/^(user|account)\.[^.\s]+$/, { error: (iss) => `expected user.<trait> or account.<trait>, got ${show(iss.input)}` }).optional(),
  },
  'a mapping like { breakdown: account.plan }',
);

export const retentionSchema = strictMap(
  { event: eventName.optional(), where: filterSchema.optional() },
  'a mapping like { event: Message Sent }',
);

export const databaseSchema = strictMap(
  { path: text.optional(), engine: z.enum(['duckdb', 'clickhouse']).optional(), clickhouse_url: httpUrl.optional() },
  'a mapping like { path: truenorth.duckdb }',
);

export const serverSchema = strictMap(
  { host: text.default('127.0.0.1'), port: z.number().int().min(1).max(65535).default(8765) },
  'a mapping like { host: 127.0.0.1, port: 8765 }',
);

export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;

/** The SMTP password is a secret: it is read from this environment variable, never from truenorth.yaml. */
export const SMTP_PASSWORD_ENV = 'TRUENORTH_SMTP_PASSWORD';

const mailbox = text.refine((value) => /^[^@\s<>]+@[^@\s<>]+$/.test(value.match(/<([^<>]*)>\s*$/)?.[1] ?? value), {
  error: (iss) => `expected an address like team@acme.io or "Truenorth <truenorth@acme.io>", got ${show(iss.input)}`,
});

/** Where the emailed digest goes: the SMTP server (TLS from the start, STARTTLS or plain), the sender, the recipients. */
const digestEmailShape = {
  host: text,
  /** Default: 465 with `tls`, 587 with `starttls`, 25 with `none`. */
  port: z.number().int().min(1).max(65535).optional(),
  /** `tls`: TLS from the first byte; `starttls`: upgraded before anything is sent (refused if the server cannot); `none`: never encrypted. */
  security: z.enum(['tls', 'starttls', 'none']).default('starttls'),
  user: text.optional(),
  from: mailbox,
  to: z.array(mailbox).min(1),
};
export const digestEmailSchema = strictMap(
  digestEmailShape,
  'a mapping like { host: smtp.acme.io, user: truenorth, from: truenorth@acme.io, to: [team@acme.io] }',
  (key) => key === 'password'
    ? `the SMTP password does not belong in truenorth.yaml: set ${SMTP_PASSWORD_ENV} in the environment`
    : `unknown key "${key}"${didYouMean(key, Object.keys(digestEmailShape))}`,
);
export type DigestEmail = z.output<typeof digestEmailSchema>;

/** The weekly digest `serve` sends on its own. The webhook URL is a secret: keep it in TRUENORTH_DIGEST_WEBHOOK. */
export const digestSchema = strictMap(
  {
    day: z.enum(WEEKDAYS).default('monday'),
    hour: z.number().int().min(0).max(23).default(9),
    webhook: httpUrl.optional(),
    out: text.optional(),
    format: z.enum(['md', 'html', 'json']).default('md'),
    email: digestEmailSchema.optional(),
    /** The dashboard's address as readers reach it: the digest links to its week there. */
    public_url: httpUrl.optional(),
  },
  'a mapping like { day: monday, hour: 9 }',
);
export type DigestSchedule = z.output<typeof digestSchema>;
