import { InputError } from '../../errors.js';
import type { JsonObject } from '../../model/message.js';
import { fromAmplitude } from './history-amplitude.js';
import { utcTime } from './history-fields.js';
import { fromMixpanel } from './history-mixpanel.js';
import { isObject } from './normalize.js';

/**
 * History exports from other tools: each record of an export becomes the Segment-shaped messages the
 * normaliser reads (normalize.ts), so dedupe, identity and errors are those of any import. A converter
 * throws an Error naming the export's own field when a record cannot be read.
 */
export const HISTORY_SOURCES = ['mixpanel', 'amplitude', 'posthog', 'segment'] as const;
export type HistorySource = (typeof HISTORY_SOURCES)[number];

/** One record of an export → the messages it stands for. */
export type HistoryConverter = (record: JsonObject) => unknown[];

const has = (o: JsonObject, ...keys: string[]) => keys.some((k) => k in o);

/**
 * Shapes of exported records that the normaliser does not read as they are, tried in this order. A
 * Segment or PostHog message as the SDKs send it matches none: it is read as is.
 */
const SHAPES: { source: HistorySource; test(record: JsonObject): boolean }[] = [
  { source: 'amplitude', test: (r) => 'event_type' in r && has(r, 'user_id', 'device_id', 'event_time') },
  {
    source: 'mixpanel',
    test: (r) => typeof r.event === 'string' && !has(r, 'type', 'timestamp', 'distinct_id') && isObject(r.properties) && has(r.properties, 'time', 'distinct_id'),
  },
  { source: 'segment', test: (r) => has(r, 'anonymous_id', 'message_id', 'original_timestamp', 'event_text') || ('user_id' in r && has(r, 'type', 'received_at')) },
  { source: 'posthog', test: (r) => 'distinct_id' in r && has(r, 'team_id', 'elements_chain', 'person_properties', 'person_id', 'set', 'set_once') },
];

/** The tool a record was exported from, by its shape; undefined when the normaliser reads it as it is. */
export function detectHistorySource(record: unknown): HistorySource | undefined {
  if (!isObject(record)) return undefined;
  return SHAPES.find((s) => s.test(record))?.source;
}

/** `--from`: one of HISTORY_SOURCES. */
export function historySource(text: string | undefined): HistorySource | undefined {
  if (text === undefined) return undefined;
  if ((HISTORY_SOURCES as readonly string[]).includes(text)) return text as HistorySource;
  throw new InputError(`--from: expected ${HISTORY_SOURCES.join(', ')}, got ${text}`);
}

/**
 * The converter for a source. Segment and PostHog messages are what the normaliser reads; their
 * exports differ from what the SDKs send only in spelling, which is put right here.
 */
export function historyConverter(source: HistorySource): HistoryConverter {
  switch (source) {
    case 'mixpanel': return fromMixpanel;
    case 'amplitude': return fromAmplitude;
    case 'posthog': return (r) => [fromPostHogExport(r)];
    case 'segment': return (r) => [fromSegmentWarehouse(r)];
  }
}

/** PostHog's batch exports spell `$set`/`$set_once` without the dollar, may hold JSON text in cells, and write UTC times without a zone. */
function fromPostHogExport(record: JsonObject): JsonObject {
  const out: JsonObject = { ...record };
  for (const key of ['properties', 'set', 'set_once', '$set', '$set_once']) {
    if (typeof out[key] === 'string') out[key] = parseJsonCell(out[key] as string, key);
  }
  if (out.set != null && out.$set === undefined) out.$set = out.set;
  if (out.set_once != null && out.$set_once === undefined) out.$set_once = out.set_once;
  delete out.set;
  delete out.set_once;
  delete out.person_properties; // the person as it was, derived from the $set history itself
  if (typeof out.timestamp === 'string') out.timestamp = utcTime(out.timestamp);
  return out;
}

/**
 * Segment's S3 copies are the messages as sent. Its warehouse rows spell the fields in snake_case,
 * the message id as `id`, and keep the event's name as sent in `event_text`.
 */
const SEGMENT_FIELDS: Record<string, string> = {
  id: 'messageId', event_text: 'event', user_id: 'userId', anonymous_id: 'anonymousId', message_id: 'messageId', group_id: 'groupId', previous_id: 'previousId',
  original_timestamp: 'originalTimestamp', sent_at: 'sentAt', received_at: 'receivedAt',
};

function fromSegmentWarehouse(record: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(record)) {
    if (value === null) continue;
    if (Object.hasOwn(SEGMENT_FIELDS, key)) out[SEGMENT_FIELDS[key]] = value;
    else if (out[key] === undefined) out[key] = value;
  }
  for (const key of ['timestamp', 'originalTimestamp', 'sentAt', 'receivedAt']) {
    if (typeof out[key] === 'string') out[key] = utcTime(out[key] as string);
  }
  return out;
}

function parseJsonCell(text: string, field: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${field}: invalid JSON`);
  }
}
