import type { JsonObject } from '../../model/message.js';
import { ACCOUNT_GROUP_TYPE, isObject } from './normalize.js';
import { exportId as id, utcTime } from './history-fields.js';

/**
 * Amplitude's export: one event per line, `event_type`, `user_id`, `device_id`, `event_time`
 * (`2024-01-02 03:04:05.678000`, UTC), `insert_id` (else `uuid`) as the id, `event_properties`,
 * `user_properties` (the user's traits), `groups` (`{"company": "acme"}` or a list: the account).
 * An event with both ids links the device to the user. `$identify` carries traits alone and
 * `$groupidentify` an account's.
 */
export function fromAmplitude(record: JsonObject): unknown[] {
  if (typeof record.event_type !== 'string' || record.event_type === '') throw new Error('event_type: required, a non-empty string');
  const timestamp = amplitudeTime(record.event_time ?? record.client_event_time);
  const userId = id(record.user_id, 'user_id');
  const anonymousId = id(record.device_id, 'device_id');
  if (!userId && !anonymousId) throw new Error('user_id: either user_id or device_id is required');
  const messageId = id(record.insert_id, 'insert_id') ?? id(record.uuid, 'uuid') ?? undefined;
  const accountId = account(record.groups);
  const traits = object(record.user_properties, 'user_properties');
  const who = { userId, anonymousId, timestamp };
  if (record.event_type === '$groupidentify') {
    if (!accountId) throw new Error('groups: required for $groupidentify');
    return [{ ...who, type: 'group', messageId, groupId: accountId, traits: object(record.group_properties, 'group_properties') }];
  }
  const identify = { ...who, type: 'identify', messageId: messageId && `${messageId}#traits`, traits };
  if (record.event_type === '$identify') return [{ ...identify, messageId }];
  const event = {
    ...who, type: 'track', event: record.event_type, messageId,
    context: accountId ? { groupId: accountId } : {}, properties: object(record.event_properties, 'event_properties'),
  };
  return Object.keys(traits).length > 0 ? [event, identify] : [event];
}

function amplitudeTime(value: unknown): string | number {
  if (value === undefined || value === null || value === '') throw new Error('event_time: required');
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') throw new Error('event_time: expected a time such as 2024-01-02 03:04:05.678');
  const time = utcTime(value);
  if (!Number.isFinite(Date.parse(time))) throw new Error(`event_time: not a valid time: ${JSON.stringify(value)}`);
  return time;
}

/** The `company` group, else the first group type listed; a list of groups gives its first. */
function account(groups: unknown): string | null {
  if (!isObject(groups)) return null;
  const value = Object.hasOwn(groups, ACCOUNT_GROUP_TYPE) ? groups[ACCOUNT_GROUP_TYPE] : Object.values(groups)[0];
  return id(Array.isArray(value) ? value[0] : value, 'groups');
}

function object(value: unknown, field: string): JsonObject {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw new Error(`${field}: expected an object`);
  return value;
}
