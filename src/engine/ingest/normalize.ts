import { createHash } from 'node:crypto';
import type { IdentityMessage, JsonObject, NormalizedMessage, TrackedEvent } from '../../model/message.js';
import { HOUR_MS, MINUTE_MS } from '../../model/time.js';

/**
 * The one module that turns Segment- and PostHog-shaped messages into the internal form.
 * Shared by file import and the HTTP server. Never throws on bad input: it returns a reason
 * naming the offending field, so a batch can report each item.
 */
export interface NormalizeContext {
  /** When the server received the message (ms). Enables Segment's clock-skew correction with `sentAt`. */
  receivedAt?: number;
  /**
   * When a file import started (ms): the "receipt" a timestamp from the future is measured against
   * when the message did not come over HTTP. Without either, the current time.
   */
  importedAt?: number;
}

/** Data-quality warnings about a message that was kept: see docs/data-quality.md. */
export interface NormalizeWarnings {
  /** The client's clock was off by more than CLOCK_SKEW_COUNTED_MS and the timestamp was corrected with sentAt. */
  clockSkew?: true;
  /** The timestamp was more than FUTURE_LIMIT_MS after receipt and was replaced by the receipt time. */
  futureClamped?: true;
}

export type NormalizeResult =
  | ({ ok: true; messages: NormalizedMessage[] } & NormalizeWarnings)
  | { ok: false; error: string };

/** A timestamp later than receipt + 23 h is from the future: it is replaced by the receipt time. */
export const FUTURE_LIMIT_MS = 23 * HOUR_MS;
/** A clock-skew correction is counted as a warning when it moves the timestamp by more than a minute. */
export const CLOCK_SKEW_COUNTED_MS = MINUTE_MS;
/** The event property that keeps a clamped event's original timestamp (ISO-8601). */
export const ORIGINAL_TIMESTAMP_PROPERTY = '$original_timestamp';

const MAX_ID_LENGTH = 512;
const MAX_EVENT_NAME_LENGTH = 512;
const MIN_TIME = Date.UTC(1970, 0, 1);
const MAX_TIME = Date.UTC(2200, 0, 1);

const SEGMENT_TYPES = new Set(['track', 'identify', 'page', 'screen', 'group', 'alias']);

class FieldError extends Error {}

function fail(message: string): never {
  throw new FieldError(message);
}

export function normalizeMessage(raw: unknown, ctx: NormalizeContext = {}): NormalizeResult {
  try {
    if (!isObject(raw)) fail('message: expected a JSON object');
    const skew = { ms: 0 };
    const messages = isPostHogShape(raw) ? fromPostHog(raw, ctx, skew) : fromSegment(raw, ctx, skew);
    const result: NormalizeResult = { ok: true, messages };
    if (Math.abs(skew.ms) > CLOCK_SKEW_COUNTED_MS) result.clockSkew = true;
    if (clampFuture(messages, ctx.receivedAt ?? ctx.importedAt ?? Date.now())) result.futureClamped = true;
    return result;
  } catch (e) {
    if (e instanceof FieldError) return { ok: false, error: e.message };
    if (e instanceof RangeError) return { ok: false, error: 'message: too deeply nested' };
    throw e;
  }
}

/**
 * Replaces a timestamp more than FUTURE_LIMIT_MS after `receipt` by `receipt`; an event keeps the
 * original in ORIGINAL_TIMESTAMP_PROPERTY (identity messages do not: their traits become the
 * person's traits). True when it did.
 */
function clampFuture(messages: NormalizedMessage[], receipt: number): boolean {
  let clamped = false;
  for (const m of messages) {
    if (m.timestamp - receipt <= FUTURE_LIMIT_MS) continue;
    if (m.kind === 'event') m.properties = { ...m.properties, [ORIGINAL_TIMESTAMP_PROPERTY]: new Date(m.timestamp).toISOString() };
    m.timestamp = receipt;
    clamped = true;
  }
  return clamped;
}

function isPostHogShape(raw: JsonObject): boolean {
  return raw.type === undefined && ('distinct_id' in raw || (isObject(raw.properties) && 'distinct_id' in raw.properties));
}

// ---------- Segment ----------

function fromSegment(raw: JsonObject, ctx: NormalizeContext, skew: { ms: number }): NormalizedMessage[] {
  const type = raw.type === undefined && typeof raw.event === 'string' ? 'track' : raw.type;
  if (typeof type !== 'string' || !SEGMENT_TYPES.has(type)) {
    fail(`type: expected one of track, identify, page, screen, group, alias${type === undefined ? '' : `, got ${short(type)}`}`);
  }
  const id = messageId(raw, 'messageId');
  const timestamp = segmentTimestamp(raw, ctx, skew);
  const userId = optionalId(raw.userId, 'userId');
  const anonymousId = optionalId(raw.anonymousId, 'anonymousId');
  const context = isObject(raw.context) ? raw.context : {};
  const properties = optionalObject(raw.properties, 'properties');

  if (type === 'alias') {
    const previousId = optionalId(raw.previousId, 'previousId');
    if (!previousId) fail('previousId: required for alias');
    if (!userId) fail('userId: required for alias');
    return [identity('alias', id, timestamp, userId, previousId, null, {})];
  }
  if (!userId && !anonymousId) fail('userId: either userId or anonymousId is required');

  if (type === 'identify') {
    const traits = optionalObject(raw.traits ?? context.traits, 'traits');
    return [identity('identify', id, timestamp, userId, anonymousId, null, traits)];
  }
  if (type === 'group') {
    const groupId = optionalId(raw.groupId, 'groupId');
    if (!groupId) fail('groupId: required for group');
    return [identity('group', id, timestamp, userId, anonymousId, groupId, optionalObject(raw.traits, 'traits'))];
  }

  const accountId =
    optionalId(context.groupId, 'context.groupId') ?? optionalId(properties.account_id, 'properties.account_id');
  let event: string;
  let props = properties;
  if (type === 'page' || type === 'screen') {
    event = type === 'page' ? 'Page Viewed' : 'Screen Viewed';
    const page = isObject(context.page) ? context.page : {};
    props = { ...properties };
    if (typeof raw.name === 'string') props.name = raw.name;
    if (typeof raw.category === 'string') props.category = raw.category;
    if (type === 'page') {
      if (props.url === undefined && page.url !== undefined) props.url = page.url;
      if (props.path === undefined && page.path !== undefined) props.path = page.path;
    }
  } else {
    event = eventName(raw.event);
  }
  return [trackedEvent(id, event, timestamp, userId, anonymousId, accountId, props)];
}

/**
 * Segment: `timestamp` (or `originalTimestamp`) is the client's clock. When the server knows when it
 * received the message and the client says when it sent it, the skew is removed:
 * timestamp = receivedAt − (sentAt − originalTimestamp).
 */
function segmentTimestamp(raw: JsonObject, ctx: NormalizeContext, skew: { ms: number }): number {
  const field = raw.timestamp !== undefined ? 'timestamp' : raw.originalTimestamp !== undefined ? 'originalTimestamp' : undefined;
  const clientTime = field ? parseTime(raw[field], field) : undefined;
  if (ctx.receivedAt !== undefined && raw.sentAt !== undefined && clientTime !== undefined) {
    const sentAt = parseTime(raw.sentAt, 'sentAt');
    skew.ms = ctx.receivedAt - sentAt;
    return checkRange(ctx.receivedAt - (sentAt - clientTime), field ?? 'timestamp');
  }
  if (clientTime !== undefined) return clientTime;
  if (raw.receivedAt !== undefined) return parseTime(raw.receivedAt, 'receivedAt');
  if (raw.sentAt !== undefined) return parseTime(raw.sentAt, 'sentAt');
  if (ctx.receivedAt !== undefined) return ctx.receivedAt;
  fail('timestamp: required');
}

// ---------- PostHog ----------

const POSTHOG_RENAMES: Record<string, string> = { $pageview: 'Page Viewed', $screen: 'Screen Viewed' };

function fromPostHog(raw: JsonObject, ctx: NormalizeContext, skew: { ms: number }): NormalizedMessage[] {
  const properties = optionalObject(raw.properties, 'properties');
  const distinctId = optionalId(raw.distinct_id ?? properties.distinct_id, 'distinct_id');
  if (!distinctId) fail('distinct_id: required');
  const name = eventName(raw.event);
  const id = messageId(raw, 'uuid');
  const timestamp = postHogTimestamp(raw, ctx, skew);

  const person = personUpdate(raw, properties);
  if (name === '$identify') {
    const anon = optionalId(properties.$anon_distinct_id, 'properties.$anon_distinct_id');
    return [personIdentity(id, timestamp, distinctId, anon, person)];
  }
  if (name === '$set') return [personIdentity(id, timestamp, distinctId, null, person)];
  if (name === '$create_alias') {
    const alias = optionalId(properties.alias, 'properties.alias');
    if (!alias) fail('properties.alias: required for $create_alias');
    return [identity('alias', id, timestamp, distinctId, alias, null, {})];
  }
  if (name === '$groupidentify') {
    const key = optionalId(properties.$group_key, 'properties.$group_key');
    if (!key) fail('properties.$group_key: required for $groupidentify');
    return [identity('group', id, timestamp, null, null, key, optionalObject(properties.$group_set, 'properties.$group_set'))];
  }

  const accountId = optionalId(accountGroup(properties.$groups), 'properties.$groups')
    ?? optionalId(properties.account_id, 'properties.account_id');
  const identified = properties.$is_identified === true;
  const event = Object.hasOwn(POSTHOG_RENAMES, name) ? POSTHOG_RENAMES[name] : name;
  let props = properties;
  if (name === '$pageview') {
    props = { ...properties };
    if (props.url === undefined && properties.$current_url !== undefined) props.url = properties.$current_url;
    if (props.path === undefined && properties.$pathname !== undefined) props.path = properties.$pathname;
  } else if (name === '$screen' && properties.$screen_name !== undefined) {
    props = { ...properties, name: properties.$screen_name };
  }
  // A PostHog distinct_id is anonymous until identified: stored as the anonymous id, so an
  // $identify or alias later links it to the person retroactively.
  const out: NormalizedMessage[] = [
    trackedEvent(id, event, timestamp, identified ? distinctId : null, identified ? null : distinctId, accountId, props),
  ];
  if (person.present) out.push(personIdentity(`${id}#set`, timestamp, distinctId, null, person));
  return out;
}

/** The PostHog group type whose key is the user's account; without it in `$groups`, the first type listed. */
export const ACCOUNT_GROUP_TYPE = 'company';

function accountGroup(groups: unknown): unknown {
  if (!isObject(groups)) return undefined;
  return Object.hasOwn(groups, ACCOUNT_GROUP_TYPE) ? groups[ACCOUNT_GROUP_TYPE] : Object.values(groups)[0];
}

interface PersonUpdate {
  present: boolean;
  set: JsonObject;
  setOnce: JsonObject;
  unset: string[];
}

/**
 * PostHog person properties: `$set`, `$set_once` and `$unset`, at the top level of the message (as
 * posthog-js sends them) or inside `properties`; the top level wins a key both name.
 */
function personUpdate(raw: JsonObject, properties: JsonObject): PersonUpdate {
  const merged = (key: '$set' | '$set_once'): JsonObject =>
    ({ ...optionalObject(properties[key], `properties.${key}`), ...optionalObject(raw[key], key) });
  const unset = [...unsetKeys(properties.$unset, 'properties.$unset'), ...unsetKeys(raw.$unset, '$unset')];
  const present = ['$set', '$set_once', '$unset'].some((k) => raw[k] !== undefined || properties[k] !== undefined);
  return { present, set: merged('$set'), setOnce: merged('$set_once'), unset: [...new Set(unset)] };
}

/** `$unset`: a list of trait names (an object's keys are accepted too). */
function unsetKeys(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (isObject(value)) return Object.keys(value);
  if (!Array.isArray(value) || !value.every((k) => typeof k === 'string')) fail(`${field}: expected a list of trait names`);
  return value as string[];
}

function personIdentity(id: string, timestamp: number, userId: string, anonymousId: string | null, p: PersonUpdate): IdentityMessage {
  const m = identity('identify', id, timestamp, userId, anonymousId, null, p.set);
  if (Object.keys(p.setOnce).length > 0) m.setOnce = p.setOnce;
  if (p.unset.length > 0) m.unset = p.unset;
  return m;
}

/**
 * PostHog: `timestamp`, else `properties.$time`, else now − `offset`, else `sent_at`, else the time
 * received. As PostHog's ingestion does, "now" is the time received when known (else `sent_at`), and a
 * `timestamp` sent with `sent_at` is corrected for the client's clock skew:
 * timestamp = receivedAt − (sent_at − timestamp).
 */
function postHogTimestamp(raw: JsonObject, ctx: NormalizeContext, skew: { ms: number }): number {
  const sentAt = raw.sent_at !== undefined ? parseTime(raw.sent_at, 'sent_at') : undefined;
  if (raw.timestamp !== undefined) {
    const clientTime = parseTime(raw.timestamp, 'timestamp');
    if (ctx.receivedAt !== undefined && sentAt !== undefined) {
      skew.ms = ctx.receivedAt - sentAt;
      return checkRange(ctx.receivedAt - (sentAt - clientTime), 'timestamp');
    }
    return clientTime;
  }
  if (isObject(raw.properties) && raw.properties.$time !== undefined && typeof raw.properties.$time === 'number') {
    return parseTime(raw.properties.$time * 1000, 'properties.$time');
  }
  if (typeof raw.offset === 'number') {
    const now = ctx.receivedAt ?? sentAt;
    if (now !== undefined) return checkRange(now - raw.offset, 'offset');
  }
  if (sentAt !== undefined) return sentAt;
  if (ctx.receivedAt !== undefined) return ctx.receivedAt;
  fail('timestamp: required');
}

// ---------- shared helpers ----------

function trackedEvent(
  id: string, event: string, timestamp: number, userId: string | null, anonymousId: string | null,
  accountId: string | null, properties: JsonObject,
): TrackedEvent {
  return { kind: 'event', id, event, timestamp, userId, anonymousId, accountId, properties };
}

function identity(
  kind: IdentityMessage['kind'], id: string, timestamp: number, userId: string | null,
  anonymousId: string | null, accountId: string | null, traits: JsonObject,
): IdentityMessage {
  return { kind, id, timestamp, userId, anonymousId, accountId, traits };
}

function messageId(raw: JsonObject, field: string): string {
  const value = raw[field];
  if (value !== undefined && value !== null && value !== '') {
    const id = optionalId(value, field);
    if (id) return id;
  }
  // No id given: a content hash, so importing the same file twice still deduplicates.
  return 'h:' + createHash('sha1').update(JSON.stringify(raw)).digest('base64url');
}

function eventName(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) fail('event: required, a non-empty string');
  if (value.length > MAX_EVENT_NAME_LENGTH) fail(`event: longer than ${MAX_EVENT_NAME_LENGTH} characters`);
  return value;
}

function optionalId(value: unknown, field: string): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') fail(`${field}: expected a string`);
  if (value.length > MAX_ID_LENGTH) fail(`${field}: longer than ${MAX_ID_LENGTH} characters`);
  return value;
}

function optionalObject(value: unknown, field: string): JsonObject {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) fail(`${field}: expected an object`);
  return value;
}

/** ISO-8601 strings, or epoch milliseconds as a number. */
export function parseTime(value: unknown, field: string): number {
  let ms: number;
  if (typeof value === 'number') ms = value;
  else if (typeof value === 'string' && value.length <= 64) ms = Date.parse(value);
  else if (value instanceof Date) ms = value.getTime();
  else fail(`${field}: expected an ISO-8601 timestamp`);
  if (!Number.isFinite(ms)) fail(`${field}: not a valid timestamp: ${short(value)}`);
  return checkRange(Math.round(ms), field);
}

function checkRange(ms: number, field: string): number {
  if (ms < MIN_TIME || ms >= MAX_TIME) fail(`${field}: out of range (1970–2199)`);
  return ms;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function short(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
