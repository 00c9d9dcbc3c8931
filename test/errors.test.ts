import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Command } from 'commander';
import Fastify from 'fastify';
import { describe, expect, it, vi } from 'vitest';
import { remoteJson } from '../src/cli/remote.js';
import { runProgram, withOneLineErrors } from '../src/cli/run.js';
import { ERROR_CODES, errorFromServer, isErrorCode, TruenorthError, type ErrorCode } from '../src/errors.js';
import { clientErrorHandler, registerErrorHandler } from '../src/server/error-handler.js';
import { openApiDocument } from '../src/server/openapi.js';
import type { ServerInfo } from '../src/server/server-file.js';

const CODES = Object.keys(ERROR_CODES) as ErrorCode[];
const ROOT = join(import.meta.dirname, '..');

/** An app whose one route fails with the error `?code=` names, answered by the server's own handler. */
function failingApp(maxBodyBytes = 1024) {
  const app = Fastify({ bodyLimit: maxBodyBytes, clientErrorHandler });
  registerErrorHandler(app, maxBodyBytes);
  app.get<{ Querystring: { code: ErrorCode } }>('/fail', async (req) => {
    throw new TruenorthError(req.query.code, `failed with ${req.query.code}`, { details: { extra: 7 } });
  });
  app.get('/crash', async () => {
    throw new Error('SQLITE_BUSY: engine internals');
  });
  app.post('/echo', async (req) => ({ bytes: (req.body as string).length }));
  return app;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(dir, f));
}

describe('the error catalogue', () => {
  it('gives every code a status, a one-line message and an exit code; only 429s and 503s are retryable', () => {
    expect(CODES.length).toBeGreaterThan(30);
    for (const code of CODES) {
      const info = ERROR_CODES[code];
      expect(code).toMatch(/^[a-z]+(?:_[a-z]+)*$/);
      expect(info.status, code).toBeGreaterThanOrEqual(400);
      expect(info.status, code).toBeLessThan(600);
      expect(info.message.length, code).toBeGreaterThan(5);
      expect(info.message, code).not.toContain('\n');
      expect(info.exitCode, code).toBe(1);
      expect(info.retryable, code).toBe(info.status === 429 || info.status === 503);
    }
  });

  it('an error without a message says the default; a retryable one asks for Retry-After', () => {
    const overloaded = new TruenorthError('overloaded');
    expect(overloaded).toMatchObject({ code: 'overloaded', status: 503, message: 'the write queue is full; retry later', retryAfterSeconds: 1, headers: { 'retry-after': '1' } });
    const later = new TruenorthError('rate_limited', 'slow down', { retryAfterSeconds: 4 });
    expect(later.headers).toEqual({ 'retry-after': '4' });
    expect(new TruenorthError('input', 'bad').headers).toEqual({});
    expect(isErrorCode('input')).toBe(true);
    expect(isErrorCode('toString')).toBe(false);
  });

  it('docs/server.md lists exactly the catalogue, with each status', () => {
    const doc = readFileSync(join(ROOT, 'docs/server.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## Errors'), doc.indexOf('\n## ', doc.indexOf('## Errors') + 1));
    const rows = [...section.matchAll(/^\| `([a-z_]+)` \| (\d{3})/gm)].map((m) => [m[1], Number(m[2])]);
    expect(rows).toEqual(CODES.map((code) => [code, ERROR_CODES[code].status]));
  });

  it("the OpenAPI error schema's code enum is the catalogue", () => {
    const schemas = (openApiDocument().components as { schemas: Record<string, { properties: { error: { enum: string[] } } }> }).schemas;
    expect(schemas.Error.properties.error.enum).toEqual(CODES);
  });

  it('no hand-made error body or status is left in the server or the CLI outside the one handler', () => {
    const handMade = [
      /\.send\(\s*\{\s*['"]?error['"]?\s*:/, // reply.send({ error: ... })
      /\bcode\(\s*(?:4|5)\d\d\s*\)\s*\.send\(\s*\{/, // reply.code(404).send({ ... })
      /\bHttpError\b/,
      /\bextends Error\b/,
    ];
    const offenders = [...sourceFiles('src/server'), ...sourceFiles('src/cli')]
      .filter((file) => !file.endsWith('error-handler.ts'))
      .flatMap((file) => readFileSync(join(ROOT, file), 'utf8').split('\n').map((line, i) => ({ where: `${file}:${i + 1}`, line })))
      .filter(({ line }) => handMade.some((pattern) => pattern.test(line)))
      .map(({ where }) => where);
    expect(offenders).toEqual([]);
  });
});

describe('the server answers an error, the CLI reads it back', () => {
  it('every code: the catalogue status, the body, Retry-After; the CLI gets the same code, exit code and message', async () => {
    const app = failingApp();
    for (const code of CODES) {
      const res = await app.inject({ method: 'GET', url: `/fail?code=${code}` });
      expect(res.statusCode, code).toBe(ERROR_CODES[code].status);
      expect(res.json(), code).toEqual({ error: code, message: `failed with ${code}`, extra: 7 });
      expect(res.headers['retry-after'], code).toBe(ERROR_CODES[code].retryable ? '1' : undefined);
      const cli = errorFromServer(res.statusCode, res.json(), 'http://127.0.0.1:8765');
      expect(cli, code).toMatchObject({ code, exitCode: ERROR_CODES[code].exitCode, message: `failed with ${code} (from the server at http://127.0.0.1:8765)` });
    }
    await app.close();
  });

  it('an unknown route, a body over the limit and an unexpected failure are answered from the catalogue too', async () => {
    const app = failingApp(1024);
    const missing = await app.inject({ method: 'GET', url: '/nowhere?key=x' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: 'not_found', message: 'no route GET /nowhere' });
    const large = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'text/plain' }, payload: 'x'.repeat(5000) });
    expect(large.statusCode).toBe(413);
    expect(large.json()).toEqual({ error: 'body_too_large', message: 'the body is larger than 1 KB' });
    const crash = await app.inject({ method: 'GET', url: '/crash' });
    expect(crash.statusCode).toBe(500);
    expect(crash.headers['retry-after']).toBe('1');
    expect(crash.json()).toEqual({ error: 'internal', message: 'the server could not store this request; retry' });
    await app.close();
  });

  it('through HTTP and the CLI runner: the server\'s code ends the command with its exit code and one line naming the server', async () => {
    const app = failingApp();
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const server: ServerInfo = { url, pid: process.pid, host: '127.0.0.1', port: 0, reads_need_key: false, started_at: '', version: 1 };
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      for (const code of ['invalid_key', 'report_timeout', 'no_config'] as const) {
        const program = withOneLineErrors(new Command('truenorth'), '');
        program.command('call').action(() => remoteJson(server, 'GET', `/fail?code=${code}`));
        stderr.mockClear();
        expect(await runProgram(program, ['node', 'truenorth', 'call']), code).toBe(ERROR_CODES[code].exitCode);
        expect(stderr.mock.calls.map((c) => String(c[0])), code).toEqual([`truenorth: failed with ${code} (from the server at ${url})\n`]);
      }
    } finally {
      stderr.mockRestore();
      await app.close();
    }
  });

  it('a request that never became one is answered from the catalogue on the socket, then closed', async () => {
    const app = failingApp();
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as { port: number };
    const raw = (request: string) => new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.write(request));
      let received = '';
      socket.on('data', (chunk) => (received += chunk.toString('utf8')));
      socket.on('close', () => resolve(received));
      socket.on('error', reject);
    });
    const garbage = await raw('NOT HTTP AT ALL\r\n\r\n');
    expect(garbage).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(JSON.parse(garbage.split('\r\n\r\n')[1])).toEqual({ error: 'bad_request', message: ERROR_CODES.bad_request.message });
    const huge = await raw(`GET /fail HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(huge).toMatch(/^HTTP\/1\.1 431 /);
    expect(JSON.parse(huge.split('\r\n\r\n')[1])).toMatchObject({ error: 'headers_too_large' });
    await app.close();
  });

  it('a body that is not the server\'s falls back on the status', () => {
    expect(errorFromServer(403, '<html>', 'http://proxy')).toMatchObject({ code: 'auth', message: '403 (from the server at http://proxy)' });
    expect(errorFromServer(502, { error: 'bad_gateway' }, 'http://proxy')).toMatchObject({ code: 'internal', exitCode: 1 });
  });
});
