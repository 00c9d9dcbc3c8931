import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TruenorthServer } from '../src/server/app.js';
import { createKey, localAdminToken, type CreatedKey } from '../src/server/keys.js';
import { Redactor, redactUrl } from '../src/server/redact.js';
import { LOG_FORMATS, type LogFormat } from '../src/server/log-format.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';
import type { Dialect } from '../src/engine/sql-engine.js';

/**
 * A log-scan: a real server logging at trace level into a captured stream, every secret sent in
 * every position (auth headers, bodies, query strings raw and percent-encoded, paths, cookies,
 * Stripe headers, error paths), then no secret in any encoding anywhere in the captured lines: in
 * both of the log's formats, JSON and the readable one.
 */
const ADMIN = `admin-${randomBytes(12).toString('hex')}`;
const STRIPE_SECRET = `whsec_${randomBytes(16).toString('hex')}`;
const STRIPE_API_KEY = `sk_live_${randomBytes(18).toString('hex')}`;
const UNKNOWN_KEY = `tnw_${randomBytes(16).toString('hex')}`;
const LOCAL = localAdminToken();

let server: TruenorthServer;
let url: string;
let write: CreatedKey;
let secret: CreatedKey;
let doomed: CreatedKey;
let lines: string[] = [];
let secrets: string[] = [];

let running: TestServer | undefined;

/** A fresh server logging in `format` into `lines`, with keys to leak. */
async function start(format: LogFormat, engine: Dialect): Promise<void> {
  lines = [];
  secrets = [ADMIN, LOCAL, STRIPE_SECRET, STRIPE_API_KEY, UNKNOWN_KEY];
  running = await startTestServer('logscan', {
    adminToken: ADMIN, localToken: LOCAL, stripeSecret: STRIPE_SECRET,
    logger: { level: 'trace', format, stream: { write: (line: string) => lines.push(line) } },
  }, engine);
  ({ server, url, write, secret } = running);
  doomed = await createKey(server.control.keys, 'write');
  await server.reloadKeys();
  secrets.push(write.token, secret.token, doomed.token);
}

const b64 = (s: string) => Buffer.from(s).toString('base64');
const everyCharEncoded = (s: string) => [...Buffer.from(s)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');

/** The forms a secret could take in a log: raw, percent-encoded (partly or wholly, once or twice), base64 at any offset. */
function forms(s: string): string[] {
  const out = [s, encodeURIComponent(s), everyCharEncoded(s), encodeURIComponent(everyCharEncoded(s)), s.replace(/_/g, '%5F'), b64(s), b64(`${s}:`), Buffer.from(s).toString('base64url')];
  // Inside a longer base64 text, the secret's characters away from both ends are the same at each alignment.
  for (let pad = 1; pad <= 2; pad++) out.push(b64('x'.repeat(pad) + s).slice(4, -4));
  return out;
}

const track = (id: string) => ({ type: 'track', messageId: id, userId: 'u-1', event: 'Message Sent', timestamp: '2026-03-02T10:00:00Z' });

async function send(path: string, init: RequestInit = {}): Promise<Response> {
  const res = await fetch(url + path, init);
  await res.arrayBuffer();
  return res;
}

const json = (method: string, body: unknown, headers: Record<string, string> = {}): RequestInit =>
  ({ method, headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

function stripeSignature(payload: string, key: string): string {
  const t = Math.floor(Date.now() / 1000);
  return `t=${t},v1=${createHmac('sha256', key).update(`${t}.${payload}`).digest('hex')}`;
}

/** How each format shows a request line, the error logged by hand, and who sent a request. */
const SHAPES: Record<LogFormat, { request: RegExp; failed: string; key: (id: string) => string }> = {
  json: { request: /"msg":"request"/g, failed: '"msg":"request failed"', key: (id) => `"key":"${id}"` },
  pretty: { request: /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: (?:GET|POST|DELETE) \/\S* \d{3} [\d.]+ ms/gm, failed: 'ERROR: request failed', key: (id) => ` ms ${id}\n` },
};

const ENGINES: Dialect[] = ['duckdb', 'clickhouse'];

describe.each(LOG_FORMATS.flatMap((format) => ENGINES.map((engine) => [format, engine] as const)))('secrets never reach a log line (%s, %s)', (format, engine) => {
  beforeAll(() => start(format, engine));
  afterAll(async () => running?.close());

  it('masks every secret in every position and encoding, requests and error paths alike', async () => {
    const basic = (token: string) => ({ authorization: `Basic ${b64(`${token}:`)}` });
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    const statuses: number[] = [];
    const exercise = async (path: string, init?: RequestInit) => statuses.push((await send(path, init)).status);

    // Write keys: basic auth, body fields, query strings (plain, percent-encoded name, wholly encoded value), unknown keys.
    await exercise('/v1/track', json('POST', track('ls-1'), basic(write.token)));
    await exercise('/v1/track', json('POST', track('ls-2'), basic(UNKNOWN_KEY)));
    await exercise('/v1/track', json('POST', { ...track('ls-3'), writeKey: write.token }));
    await exercise('/capture', json('POST', { api_key: write.token, event: 'x', distinct_id: 'd' }));
    await exercise(`/capture?api_key=${write.token}`, json('POST', { event: 'x', distinct_id: 'd' }));
    await exercise(`/capture?api%5Fkey=${write.token}`, json('POST', { event: 'x', distinct_id: 'd' }));
    await exercise(`/capture?api%5Fkey=${everyCharEncoded(write.token)}`, json('POST', { event: 'x', distinct_id: 'd' }));
    await exercise(`/capture?token=${encodeURIComponent(UNKNOWN_KEY)}&x=1`, json('POST', { event: 'x', distinct_id: 'd' }));
    await exercise(`/v1/track/${write.token}`, json('POST', track('ls-4')));
    // Browser SDK paths that carry the key: analytics.js's settings, PostHog's remote config.
    await exercise(`/v1/projects/${write.token}/settings`);
    await exercise(`/array/${write.token}/config`);
    await exercise(`/array/${UNKNOWN_KEY}/config.js`);
    await exercise(`/array/${write.token}/unknown`);
    // Secret keys, the admin token (bearer, basic, in a path, base64 in a path), key administration.
    await exercise('/api/v1/keys', { headers: bearer(secret.token) });
    await exercise('/api/v1/keys', { headers: bearer(ADMIN) });
    await exercise('/api/v1/keys', { headers: basic(ADMIN) });
    await exercise(`/api/v1/keys?key=${ADMIN}`, { headers: bearer(`${ADMIN}x`) });
    // The local admin token serve writes beside the database: as a bearer, in a query string, in a path.
    await exercise(`/api/v1/keys?token=${LOCAL}`, { headers: bearer(LOCAL) });
    await exercise(`/api/v1/keys/${encodeURIComponent(LOCAL)}`, { method: 'DELETE', headers: bearer(`${LOCAL}x`) });
    await exercise(`/api/v1/${encodeURIComponent(ADMIN)}`);
    await exercise(`/api/v1/${b64(ADMIN)}`);
    await exercise(`/api/v1/keys/${doomed.token}`, { method: 'DELETE', headers: bearer(secret.token) });
    await exercise(`/api/v1/keys/${UNKNOWN_KEY}`, { method: 'DELETE', headers: bearer(secret.token) });
    await exercise(`/api/v1/keys/${everyCharEncoded(doomed.token)}`, { method: 'DELETE', headers: bearer(ADMIN) });
    // A dashboard sign-in: the session cookie, used and closed; a failed sign-in with a near-miss.
    const signIn = await fetch(`${url}/api/v1/session`, json('POST', { key: secret.token }));
    expect(signIn.status).toBe(200);
    const sessionId = /truenorth_session=([^;]+)/.exec(signIn.headers.get('set-cookie') ?? '')![1];
    secrets.push(sessionId);
    await exercise('/api/v1/session', { headers: { cookie: `truenorth_session=${sessionId}` } });
    await exercise(`/api/v1/session?session=${sessionId}`, { method: 'DELETE', headers: { cookie: `truenorth_session=${sessionId}` } });
    await exercise('/api/v1/session', json('POST', { key: `${ADMIN}!` }));
    // Stripe: a signed event, a failing one, the secrets in query strings, a Stripe API key in a path.
    const payload = JSON.stringify({ id: 'evt_1', type: 'invoice.paid', created: 1767225600, data: { object: {} } });
    const signature = stripeSignature(payload, STRIPE_SECRET);
    secrets.push(signature.split('v1=')[1]);
    await exercise('/webhooks/stripe', json('POST', payload, { 'stripe-signature': signature }));
    await exercise(`/webhooks/stripe?secret=${STRIPE_SECRET}`, json('POST', payload, { 'stripe-signature': stripeSignature(payload, 'whsec_wrong') }));
    await exercise(`/webhooks/stripe/${STRIPE_API_KEY}`, json('POST', '{', { 'stripe-signature': signature }));
    // Whatever a future log call writes (headers, an error with its stack) goes through the same scrubber.
    server.app.log.error({
      err: new Error(`could not use ${STRIPE_API_KEY} or ${b64(`${write.token}:`)}`),
      headers: { ...basic(write.token), cookie: `truenorth_session=${sessionId}`, 'stripe-signature': signature, 'x-admin': everyCharEncoded(ADMIN) },
      body: { writeKey: write.token, api_key: secret.token, secret: STRIPE_SECRET },
    }, 'request failed');
    await new Promise((r) => setTimeout(r, 50));

    // Successes and error paths alike (unknown keys, unknown routes, a bad signature).
    expect(statuses).toEqual([200, 401, 200, 200, 200, 200, 200, 401, 404, 200, 200, 200, 404, 200, 200, 200, 401, 200, 401, 404, 404, 200, 404, 200, 200, 200, 401, 200, 400, 404]);
    const text = lines.join('');
    const shape = SHAPES[format];
    expect(text.match(shape.request)?.length).toBeGreaterThanOrEqual(statuses.length);
    expect(text).toContain(shape.failed);
    expect(text).toContain('could not use [redacted]');
    // A key's id is its public name: still there to say who sent a request.
    expect(text).toContain(shape.key(write.id));
    for (const s of secrets) {
      for (const form of forms(s)) expect(text, `a form of ${s.slice(0, 6)}… in the log`).not.toContain(form);
    }
  });
});

describe('the scrubber', () => {
  const redactor = new Redactor(['correct horse battery staple']);

  it('masks token shapes and configured secrets, keeps ordinary text and key ids', () => {
    expect(redactor.scrub('{"url":"/v1/track","key":"tnw_AbC12345","msg":"request"}')).toBe('{"url":"/v1/track","key":"tnw_AbC12345","msg":"request"}');
    expect(redactor.scrub('DELETE /api/v1/keys/tns_AbC12345xyzxyzxyzxyzxyzxyzxyzxy1')).toBe('DELETE /api/v1/keys/[redacted]');
    expect(redactor.scrub('token: correct horse battery staple.')).toBe('token: [redacted].');
    expect(redactor.scrub(`a=${b64('correct horse battery staple')}`)).not.toContain(b64('correct horse battery staple').slice(0, 12));
    expect(redactor.scrub('signature t=1,v1=' + 'ab'.repeat(32))).toBe('signature t=1,[redacted]');
  });

  it('masks credential parameters in a URL by name, percent-encoded names included', () => {
    expect(redactUrl('/capture?api%5Fkey=leaky&x=1')).toBe('/capture?api%5Fkey=[redacted]&x=1');
    expect(redactUrl('/v1/track?WriteKey=leaky')).toBe('/v1/track?WriteKey=[redacted]');
    expect(redactUrl('/api/v1/funnel?from=2026-W05')).toBe('/api/v1/funnel?from=2026-W05');
  });
});
