/**
 * Segment and PostHog message shapes. An Actor carries who is sending (and with which SDK); each
 * builder serialises one message and hands it, with its timestamp, to the sink.
 *
 * PostHog conventions followed: `distinct_id` is the anonymous id until `$identify`
 * (`$anon_distinct_id` links them); identified events carry `$is_identified: true` and
 * `$groups: { company: <account> }`; `$pageview` carries `$current_url` and `$pathname`.
 */
import type { Ids } from './identity.js';
import { isoTime } from './calendar.js';

export type Properties = Record<string, unknown>;

export interface Sink {
  emit(ts: number, line: string): void;
}

export interface Actor {
  /** Actor number for message ids (see identity.ts). */
  readonly actor: number;
  /** Next per-actor message sequence number. */
  seq: number;
  readonly posthog: boolean;
  userId: string | null;
  anonymousId: string;
  accountId: string | null;
}

const BROWSER = { name: 'analytics.js', version: '5.2.1' };
const SERVER = { name: 'analytics-node', version: '2.1.2' };
export const SITE = 'https://acme.chat';

export class Shapes {
  constructor(private readonly ids: Ids, private readonly sink: Sink) {}

  private nextId(a: Actor): string {
    return this.ids.message(a.actor, a.seq++);
  }

  /** A `track` (Segment) or a custom event (PostHog). Server-side events carry no anonymous id. */
  track(a: Actor, ts: number, event: string, properties: Properties, server = false): void {
    if (a.posthog) {
      this.posthogEvent(a, ts, event, properties);
      return;
    }
    const msg: Properties = { type: 'track', event };
    if (a.userId) msg.userId = a.userId;
    if (!server || !a.userId) msg.anonymousId = a.anonymousId;
    msg.timestamp = isoTime(ts);
    msg.messageId = this.nextId(a);
    msg.properties = properties;
    msg.context = a.accountId ? { library: server ? SERVER : BROWSER, groupId: a.accountId } : { library: server ? SERVER : BROWSER };
    this.sink.emit(ts, JSON.stringify(msg));
  }

  /** `Signed Up`: carries both the anonymous id and the new user id (PostHog: after $identify). */
  signedUp(a: Actor, ts: number, properties: Properties): void {
    this.track(a, ts, 'Signed Up', properties);
  }

  page(
    a: Actor, ts: number, path: string, title: string,
    utm: { source: string | null; medium: string | null } | null, anonymousId = a.anonymousId, referrer?: string,
  ): void {
    const url = SITE + path + (utm?.source ? `?utm_source=${utm.source}&utm_medium=${utm.medium}` : '');
    if (a.posthog) {
      const properties: Properties = { $current_url: url, $pathname: path, title };
      if (referrer) properties.$referrer = referrer;
      if (utm?.source) {
        properties.utm_source = utm.source;
        properties.utm_medium = utm.medium;
      }
      const identified = a.userId !== null && anonymousId === a.anonymousId;
      this.posthogEvent(a, ts, '$pageview', properties, identified ? undefined : anonymousId);
      return;
    }
    const properties: Properties = { url, path, title };
    if (referrer) properties.referrer = referrer;
    if (utm?.source) {
      properties.utm_source = utm.source;
      properties.utm_medium = utm.medium;
    }
    const msg: Properties = { type: 'page', name: title };
    if (a.userId && anonymousId === a.anonymousId) msg.userId = a.userId;
    msg.anonymousId = anonymousId;
    msg.timestamp = isoTime(ts);
    msg.messageId = this.nextId(a);
    msg.properties = properties;
    const context: Properties = { library: BROWSER, page: { path, url } };
    if (utm?.source) context.campaign = { source: utm.source, medium: utm.medium };
    msg.context = context;
    this.sink.emit(ts, JSON.stringify(msg));
  }

  identify(a: Actor, ts: number, traits: Properties): void {
    if (a.posthog) {
      const line = {
        event: '$identify',
        distinct_id: a.userId,
        properties: { $anon_distinct_id: a.anonymousId, $set: traits, $lib: 'web' },
        timestamp: isoTime(ts),
        uuid: this.nextId(a),
      };
      this.sink.emit(ts, JSON.stringify(line));
      return;
    }
    const msg = {
      type: 'identify', userId: a.userId, anonymousId: a.anonymousId, timestamp: isoTime(ts),
      messageId: this.nextId(a), traits, context: { library: BROWSER },
    };
    this.sink.emit(ts, JSON.stringify(msg));
  }

  group(a: Actor, ts: number, traits: Properties, server = false): void {
    if (a.posthog) {
      const line = {
        event: '$groupidentify',
        distinct_id: a.userId,
        properties: { $group_type: 'company', $group_key: a.accountId, $group_set: traits, $lib: 'web' },
        timestamp: isoTime(ts),
        uuid: this.nextId(a),
      };
      this.sink.emit(ts, JSON.stringify(line));
      return;
    }
    const msg: Properties = { type: 'group', userId: a.userId };
    if (!server) msg.anonymousId = a.anonymousId;
    msg.groupId = a.accountId;
    msg.timestamp = isoTime(ts);
    msg.messageId = this.nextId(a);
    msg.traits = traits;
    msg.context = { library: server ? SERVER : BROWSER };
    this.sink.emit(ts, JSON.stringify(msg));
  }

  /** Links another device's anonymous id to the user. */
  alias(a: Actor, ts: number, previousId: string): void {
    if (a.posthog) {
      const line = {
        event: '$create_alias', distinct_id: a.userId, properties: { alias: previousId, $lib: 'web' },
        timestamp: isoTime(ts), uuid: this.nextId(a),
      };
      this.sink.emit(ts, JSON.stringify(line));
      return;
    }
    const msg = {
      type: 'alias', previousId, userId: a.userId, timestamp: isoTime(ts), messageId: this.nextId(a),
      context: { library: BROWSER },
    };
    this.sink.emit(ts, JSON.stringify(msg));
  }

  private posthogEvent(a: Actor, ts: number, event: string, properties: Properties, distinctId?: string): void {
    const props: Properties = { ...properties };
    if (a.userId && distinctId === undefined) {
      props.$is_identified = true;
      if (a.accountId) props.$groups = { company: a.accountId };
    }
    props.$lib = 'web';
    const line = {
      event,
      distinct_id: distinctId ?? a.userId ?? a.anonymousId,
      properties: props,
      timestamp: isoTime(ts),
      uuid: this.nextId(a),
    };
    this.sink.emit(ts, JSON.stringify(line));
  }
}
