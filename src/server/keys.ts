import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { InputError, TruenorthError } from '../errors.js';
import type { KeyKind, KeyTable } from '../engine/control.js';

/**
 * API keys. A write key can only send events (Segment's write key, PostHog's project token); a
 * secret key reads the API and administers keys. Only the SHA-256 hash of a token is stored: the
 * token is shown once, when it is created. A key is named by its prefix (the token's first
 * characters), which is safe to show in lists and logs.
 */
export type { KeyKind };

export interface ApiKey {
  /** The token's first characters: `tnw_AbC12345` (write) or `tns_AbC12345` (secret). */
  id: string;
  kind: KeyKind;
  name: string | null;
  created_at: string;
  revoked_at: string | null;
}

export interface CreatedKey extends ApiKey {
  /** The whole token: shown once, never stored. */
  token: string;
}

/** Who a request authenticates as: a stored key, or the admin token from the environment. */
export interface Principal {
  id: string;
  kind: KeyKind | 'admin';
}

/** TRUENORTH_ADMIN_TOKEN reads and administers everything: shorter ones are refused by `serve`. */
export const MIN_ADMIN_TOKEN_LENGTH = 16;

const PREFIX: Record<KeyKind, string> = { write: 'tnw_', secret: 'tns_' };
const ID_LENGTH = 12;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

const sha256 = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

export function hashToken(token: string): string {
  return sha256(token).toString('hex');
}

/** A token for `serve`'s local administration file: 256 random bits. */
export function localAdminToken(): string {
  return `tnl_${randomBytes(32).toString('base64url')}`;
}

function randomToken(kind: KeyKind): string {
  // 32 characters of base62: about 190 bits. Rejection sampling keeps the characters uniform.
  let out = PREFIX[kind];
  while (out.length < PREFIX[kind].length + 32) {
    for (const byte of randomBytes(48)) {
      if (byte < 248 && out.length < PREFIX[kind].length + 32) out += ALPHABET[byte % 62];
    }
  }
  return out;
}

export function parseKind(text: string | undefined): KeyKind {
  if (text === undefined || text === 'write') return 'write';
  if (text === 'secret') return 'secret';
  throw new InputError(`--kind: expected write or secret, got ${JSON.stringify(text)}`);
}

export async function createKey(keys: KeyTable, kind: KeyKind, name?: string): Promise<CreatedKey> {
  if (name !== undefined && name.length > 200) throw new InputError('--name: at most 200 characters');
  for (let attempt = 0; attempt < 5; attempt++) {
    const token = randomToken(kind);
    const key = { id: token.slice(0, ID_LENGTH), kind, name: name ?? null, created_at: new Date().toISOString() };
    if (await keys.insert({ ...key, hash: hashToken(token) })) return { ...key, revoked_at: null, token };
  }
  throw new TruenorthError('internal', 'could not pick an unused key id');
}

export async function listKeys(keys: KeyTable): Promise<ApiKey[]> {
  return (await keys.list()).map(({ id, kind, name, created_at, revoked_at }) => ({ id, kind, name, created_at, revoked_at }));
}

/** Revokes a key by its id (prefix) or by the whole token. Revoking twice is harmless. */
export async function revokeKey(keys: KeyTable, idOrToken: string): Promise<ApiKey> {
  const id = idOrToken.length > ID_LENGTH ? idOrToken.slice(0, ID_LENGTH) : idOrToken;
  if (!(await keys.revoke(id, new Date().toISOString()))) throw new TruenorthError('not_found', `no key ${JSON.stringify(id)}; \`truenorth keys list\` shows the keys`);
  return (await listKeys(keys)).find((k) => k.id === id)!;
}

/**
 * The server's view of the keys: hashes in memory, so checking a request costs one SHA-256 and a
 * map look-up. Every change the server makes to the keys reloads it; when other servers share the
 * keys, the server also reloads it on a timer (shared-keys.ts, KEY_REFRESH_MS).
 */
export class KeyRing {
  private byHash = new Map<string, Principal>();
  private readonly adminHash: Buffer | undefined;
  private readonly localHash: Buffer | undefined;

  /** `localToken`: the token `serve` writes beside the database for the CLI on this machine; it administers like the admin token. */
  constructor(adminToken?: string, localToken?: string) {
    this.adminHash = adminToken ? sha256(adminToken) : undefined;
    this.localHash = localToken ? sha256(localToken) : undefined;
  }

  async load(keys: KeyTable): Promise<void> {
    const live = (await keys.list()).filter((k) => k.revoked_at === null);
    this.byHash = new Map(live.map((k) => [k.hash, { id: k.id, kind: k.kind }]));
  }

  get size(): number {
    return this.byHash.size;
  }

  count(kind: KeyKind): number {
    let n = 0;
    for (const p of this.byHash.values()) if (p.kind === kind) n++;
    return n;
  }

  get hasAdminToken(): boolean {
    return this.adminHash !== undefined;
  }

  /** The principal a token stands for, or undefined for an unknown or revoked token. */
  verify(token: string | undefined): Principal | undefined {
    if (!token || token.length > 512) return undefined;
    return this.verifyHash(sha256(token));
  }

  /** The principal of a token known by its SHA-256 (a dashboard session keeps only that). */
  verifyHash(digest: Buffer): Principal | undefined {
    if (digest.length !== 32) return undefined;
    if (this.adminHash && timingSafeEqual(digest, this.adminHash)) return { id: 'admin', kind: 'admin' };
    if (this.localHash && timingSafeEqual(digest, this.localHash)) return { id: 'local', kind: 'admin' };
    return this.byHash.get(digest.toString('hex'));
  }
}
