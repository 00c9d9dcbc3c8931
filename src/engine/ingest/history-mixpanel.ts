import { createHash } from 'node:crypto';
import type { JsonObject } from '../../model/message.js';
import { isObject } from './normalize.js';
import { exportId as id } from './history-fields.js';

/**
 * Mixpanel's raw event export: `{"event", "properties": {"time", "distinct_id", "$insert_id", …}}`.
 *
 * Who: `$user_id` is the user and `$device_id` the anonymous device (both present link them). Without
 * them a `distinct_id` of the form `$device:<id>` is a device; another is the user, and its
 * `$distinct_id_before_identity` the device it was before. `$identify` (`$anon_id` → `$identified_id`),
 * `$create_alias` (`distinct_id` → `alias`) and `$merge` (`$distinct_ids`) link ids.
 * Dedupe is Mixpanel's: the event, distinct_id, time and `$insert_id` together.
 */
export function fromMixpanel(record: JsonObject): unknown[] {
  if (typeof record.event !== 'string' || record.event === '') throw new Error('event: required, a non-empty string');
  if (!isObject(record.properties)) throw new Error('properties: required, an object');
  const p = record.properties;
  const timestamp = mixpanelTime(p.time);
  const distinctId = id(p.distinct_id, 'properties.distinct_id');
  const base = { messageId: messageId(record.event, distinctId, timestamp, p.$insert_id), timestamp };
  const link = identityLink(record.event, p, distinctId);
  if (link) return [{ ...base, ...link }];
  const who = actor(p, distinctId);
  if (!who.userId && !who.anonymousId) throw new Error('properties.distinct_id: required (or $user_id / $device_id)');
  return [{ ...base, type: 'track', event: record.event, ...who, properties: eventProperties(p) }];
}

/** `time`: epoch seconds, or milliseconds (anything above 10^11, a date in 1973 as milliseconds). */
function mixpanelTime(time: unknown): number {
  if (time === undefined || time === null) throw new Error('properties.time: required');
  const n = typeof time === 'string' && /^\d+(\.\d+)?$/.test(time) ? Number(time) : time;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new Error('properties.time: expected epoch seconds or milliseconds');
  return Math.round(n < 1e11 ? n * 1000 : n);
}

function identityLink(event: string, p: JsonObject, distinctId: string | null): JsonObject | undefined {
  if (event === '$identify') {
    const userId = id(p.$identified_id, 'properties.$identified_id') ?? distinctId;
    const anonymousId = id(p.$anon_id, 'properties.$anon_id');
    if (!userId || !anonymousId) throw new Error('properties.$anon_id: required for $identify');
    return { type: 'alias', userId, previousId: device(anonymousId) };
  }
  if (event === '$create_alias') {
    const alias = id(p.alias, 'properties.alias');
    if (!alias || !distinctId) throw new Error('properties.alias: required for $create_alias');
    return { type: 'alias', userId: alias, previousId: device(distinctId) };
  }
  if (event === '$merge') {
    const ids = Array.isArray(p.$distinct_ids) ? p.$distinct_ids.map((d, i) => id(d, `properties.$distinct_ids[${i}]`)) : [];
    const other = ids.find((d) => d && d !== distinctId);
    if (!distinctId || !other) throw new Error('properties.$distinct_ids: two ids required for $merge');
    return { type: 'alias', userId: distinctId, previousId: device(other) };
  }
  return undefined;
}

function actor(p: JsonObject, distinctId: string | null): { userId: string | null; anonymousId: string | null } {
  const userId = id(p.$user_id, 'properties.$user_id');
  const deviceId = id(p.$device_id, 'properties.$device_id');
  if (userId || deviceId) {
    const identified = userId ?? (distinctId && distinctId !== deviceId && !distinctId.startsWith('$device:') ? distinctId : null);
    return { userId: identified, anonymousId: deviceId };
  }
  if (distinctId?.startsWith('$device:')) return { userId: null, anonymousId: device(distinctId) };
  return { userId: distinctId, anonymousId: id(p.$distinct_id_before_identity, 'properties.$distinct_id_before_identity') };
}

/** The device a `$device:<id>` distinct_id names; another id as it is. */
function device(distinctId: string): string {
  return distinctId.startsWith('$device:') ? distinctId.slice('$device:'.length) : distinctId;
}

const RESERVED = new Set(['time', 'distinct_id', '$insert_id', '$user_id', '$device_id', '$distinct_id_before_identity']);

function eventProperties(p: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(p)) if (!RESERVED.has(key)) out[key] = value;
  return out;
}

function messageId(event: string, distinctId: string | null, timestamp: number, insertId: unknown): string | undefined {
  if (insertId === undefined || insertId === null || insertId === '') return undefined; // the normaliser hashes the message
  const key = [event, distinctId ?? '', String(timestamp), String(insertId)].join('\u0000');
  return 'mp:' + createHash('sha1').update(key).digest('base64url');
}
