import { describe, expect, it } from 'vitest';
import { normalizeMessage, type NormalizeContext } from '../src/engine/ingest/normalize.js';
import type { NormalizedMessage } from '../src/model/message.js';

const ms = (iso: string) => Date.parse(iso);

function ok(raw: unknown, ctx?: NormalizeContext): NormalizedMessage[] {
  const result = normalizeMessage(raw, ctx);
  if (!result.ok) throw new Error(`expected ok, got: ${result.error}`);
  return result.messages;
}

function one(raw: unknown, ctx?: NormalizeContext): NormalizedMessage {
  const messages = ok(raw, ctx);
  expect(messages).toHaveLength(1);
  return messages[0];
}

function error(raw: unknown, ctx?: NormalizeContext): string {
  const result = normalizeMessage(raw, ctx);
  if (result.ok) throw new Error(`expected an error, got ${JSON.stringify(result.messages)}`);
  return result.error;
}

describe('Segment shape', () => {
  it('track keeps its event name, ids, properties and account', () => {
    expect(one({
      type: 'track', event: 'Message Sent', messageId: 'seg-1', userId: 'u1', anonymousId: 'a1',
      timestamp: '2026-01-05T10:00:00.123Z', properties: { channel: 'general', n: 3 },
      context: { groupId: 'acme' },
    })).toEqual({
      kind: 'event', id: 'seg-1', event: 'Message Sent', timestamp: ms('2026-01-05T10:00:00.123Z'),
      userId: 'u1', anonymousId: 'a1', accountId: 'acme', properties: { channel: 'general', n: 3 },
    });
  });

  it('track without a type is a track; account from properties.account_id; numeric ids become strings', () => {
    expect(one({ event: 'Invite Sent', userId: 42, timestamp: 1767607200000, messageId: 7, properties: { account_id: 'acc-9' } }))
      .toEqual({
        kind: 'event', id: '7', event: 'Invite Sent', timestamp: 1767607200000,
        userId: '42', anonymousId: null, accountId: 'acc-9', properties: { account_id: 'acc-9' },
      });
  });

  it('context.groupId wins over properties.account_id', () => {
    const m = one({ type: 'track', event: 'X', userId: 'u', timestamp: '2026-01-05T00:00:00Z', messageId: 'm', context: { groupId: 'g1' }, properties: { account_id: 'g2' } });
    expect(m).toMatchObject({ accountId: 'g1' });
  });

  it('identify carries traits', () => {
    expect(one({
      type: 'identify', messageId: 'id-1', userId: 'u1', anonymousId: 'a1', timestamp: '2026-01-05T10:00:00Z',
      traits: { email: 'maya@acme.io', role: 'pm', company_size: 40 },
    })).toEqual({
      kind: 'identify', id: 'id-1', timestamp: ms('2026-01-05T10:00:00Z'), userId: 'u1', anonymousId: 'a1',
      accountId: null, traits: { email: 'maya@acme.io', role: 'pm', company_size: 40 },
    });
  });

  it('identify takes its traits from context.traits when there are no top-level traits', () => {
    expect(one({
      type: 'identify', messageId: 'id-2', userId: 'u1', timestamp: '2026-01-05T10:00:00Z',
      context: { traits: { plan: 'team' } },
    })).toEqual({
      kind: 'identify', id: 'id-2', timestamp: ms('2026-01-05T10:00:00Z'), userId: 'u1', anonymousId: null,
      accountId: null, traits: { plan: 'team' },
    });
  });

  it('page becomes Page Viewed with name, url and path (url/path from context.page)', () => {
    expect(one({
      type: 'page', messageId: 'pg-1', anonymousId: 'a1', name: 'Pricing', category: 'Marketing',
      timestamp: '2026-01-05T09:00:00Z', properties: { referrer: 'https://google.com' },
      context: { page: { url: 'https://acme.io/pricing?x=1', path: '/pricing', title: 'Pricing' } },
    })).toEqual({
      kind: 'event', id: 'pg-1', event: 'Page Viewed', timestamp: ms('2026-01-05T09:00:00Z'),
      userId: null, anonymousId: 'a1', accountId: null,
      properties: { referrer: 'https://google.com', name: 'Pricing', category: 'Marketing', url: 'https://acme.io/pricing?x=1', path: '/pricing' },
    });
  });

  it('page keeps url/path given in properties over context.page', () => {
    const m = one({
      type: 'page', messageId: 'pg-2', anonymousId: 'a1', timestamp: '2026-01-05T09:00:00Z',
      properties: { url: 'https://acme.io/a', path: '/a' }, context: { page: { url: 'https://acme.io/b', path: '/b' } },
    });
    expect(m).toMatchObject({ event: 'Page Viewed', properties: { url: 'https://acme.io/a', path: '/a' } });
  });

  it('screen becomes Screen Viewed with its name', () => {
    expect(one({ type: 'screen', messageId: 'sc-1', userId: 'u1', name: 'Inbox', timestamp: '2026-01-05T09:00:00Z', properties: { build: 12 } }))
      .toEqual({
        kind: 'event', id: 'sc-1', event: 'Screen Viewed', timestamp: ms('2026-01-05T09:00:00Z'),
        userId: 'u1', anonymousId: null, accountId: null, properties: { build: 12, name: 'Inbox' },
      });
  });

  it('group carries the groupId as the account, with account traits', () => {
    expect(one({ type: 'group', messageId: 'gr-1', userId: 'u1', groupId: 'acme', timestamp: '2026-01-05T09:00:00Z', traits: { name: 'Acme', seats: 25 } }))
      .toEqual({
        kind: 'group', id: 'gr-1', timestamp: ms('2026-01-05T09:00:00Z'), userId: 'u1', anonymousId: null,
        accountId: 'acme', traits: { name: 'Acme', seats: 25 },
      });
  });

  it('alias links previousId to userId', () => {
    expect(one({ type: 'alias', messageId: 'al-1', previousId: 'old-id', userId: 'u1', timestamp: '2026-01-05T09:00:00Z' }))
      .toEqual({
        kind: 'alias', id: 'al-1', timestamp: ms('2026-01-05T09:00:00Z'), userId: 'u1', anonymousId: 'old-id',
        accountId: null, traits: {},
      });
  });
});

describe('Segment timestamps', () => {
  const base = { type: 'track', event: 'X', userId: 'u1', messageId: 'm' };

  it('timestamp is used as given', () => {
    expect(one({ ...base, timestamp: '2026-01-05T10:00:00.250Z' }).timestamp).toBe(ms('2026-01-05T10:00:00.250Z'));
  });

  it('timestamp wins over originalTimestamp when both are present (a Segment export)', () => {
    expect(one({ ...base, timestamp: '2026-01-05T10:00:00Z', originalTimestamp: '2026-01-05T10:03:00Z' }).timestamp)
      .toBe(ms('2026-01-05T10:00:00Z'));
  });

  it('originalTimestamp is used when timestamp is missing', () => {
    expect(one({ ...base, originalTimestamp: '2026-01-05T10:03:00Z', sentAt: '2026-01-05T10:03:05Z' }).timestamp)
      .toBe(ms('2026-01-05T10:03:00Z'));
  });

  it('a message-level receivedAt, then sentAt, are the fallbacks', () => {
    expect(one({ ...base, receivedAt: '2026-01-05T11:00:00Z', sentAt: '2026-01-05T10:59:00Z' }).timestamp).toBe(ms('2026-01-05T11:00:00Z'));
    expect(one({ ...base, sentAt: '2026-01-05T10:59:00Z' }).timestamp).toBe(ms('2026-01-05T10:59:00Z'));
  });

  it('with a receivedAt, the client clock skew is removed: receivedAt − (sentAt − originalTimestamp)', () => {
    // The client clock is 2 minutes fast: it says it sent at 10:00:05 what the server received at 09:58:07.5.
    const ctx = { receivedAt: ms('2026-01-05T09:58:07.500Z') };
    expect(one({ ...base, originalTimestamp: '2026-01-05T10:00:00Z', sentAt: '2026-01-05T10:00:05Z' }, ctx).timestamp)
      .toBe(ms('2026-01-05T09:58:02.500Z'));
    expect(one({ ...base, timestamp: '2026-01-05T10:00:00Z', sentAt: '2026-01-05T10:00:05Z' }, ctx).timestamp)
      .toBe(ms('2026-01-05T09:58:02.500Z'));
  });

  it('without sentAt there is no skew to remove; with no time at all, the receivedAt', () => {
    const ctx = { receivedAt: ms('2026-01-05T12:00:00Z') };
    expect(one({ ...base, timestamp: '2026-01-05T10:00:00Z' }, ctx).timestamp).toBe(ms('2026-01-05T10:00:00Z'));
    expect(one({ ...base }, ctx).timestamp).toBe(ms('2026-01-05T12:00:00Z'));
  });

  it('epoch milliseconds are accepted', () => {
    expect(one({ ...base, timestamp: 1767607200000 }).timestamp).toBe(ms('2026-01-05T10:00:00Z'));
  });
});

describe('message ids', () => {
  it('a missing id becomes a deterministic content hash', () => {
    const raw = { type: 'track', event: 'Message Sent', userId: 'u1', timestamp: '2026-01-05T10:00:00Z' };
    const id = one(raw).id;
    // sha1, base64url, of the message's JSON text. Pinned: changing it would break the dedupe of
    // files imported by an earlier version.
    expect(id).toBe('h:w9D54KLQ3b5jx5FesrijF0uSPaQ');
    expect(one({ ...raw }).id).toBe(id);
    expect(one({ ...raw, event: 'Message Read' }).id).not.toBe(id);
    expect(one({ ...raw, messageId: '' }).id).toMatch(/^h:[A-Za-z0-9_-]{27}$/);
  });
});

describe('PostHog shape', () => {
  it('$pageview becomes Page Viewed: url from $current_url, path from $pathname; uuid kept', () => {
    expect(one({
      event: '$pageview', distinct_id: 'ph-anon-1', uuid: '0190a1b2-0000-7000-8000-000000000001',
      timestamp: '2026-01-05T09:00:00Z',
      properties: { $current_url: 'https://acme.io/docs?q=1', $pathname: '/docs', $browser: 'Firefox' },
    })).toEqual({
      kind: 'event', id: '0190a1b2-0000-7000-8000-000000000001', event: 'Page Viewed', timestamp: ms('2026-01-05T09:00:00Z'),
      userId: null, anonymousId: 'ph-anon-1', accountId: null,
      properties: { $current_url: 'https://acme.io/docs?q=1', $pathname: '/docs', $browser: 'Firefox', url: 'https://acme.io/docs?q=1', path: '/docs' },
    });
  });

  it('$screen becomes Screen Viewed with name from $screen_name', () => {
    expect(one({ event: '$screen', distinct_id: 'u1', uuid: 'ph-2', timestamp: '2026-01-05T09:00:00Z', properties: { $screen_name: 'Settings', $is_identified: true } }))
      .toEqual({
        kind: 'event', id: 'ph-2', event: 'Screen Viewed', timestamp: ms('2026-01-05T09:00:00Z'),
        userId: 'u1', anonymousId: null, accountId: null, properties: { $screen_name: 'Settings', $is_identified: true, name: 'Settings' },
      });
  });

  it('a custom event with $groups gets the account, and $set / $set_once add an identify that keeps them apart', () => {
    expect(ok({
      event: 'Message Sent', distinct_id: 'u1', uuid: 'ph-3', timestamp: '2026-01-05T09:00:00Z',
      properties: { $groups: { company: 'acme' }, $is_identified: true, $set: { role: 'pm' }, $set_once: { first_seen: '2026-01-01', role: 'dev' }, words: 12 },
    })).toEqual([
      {
        kind: 'event', id: 'ph-3', event: 'Message Sent', timestamp: ms('2026-01-05T09:00:00Z'), userId: 'u1', anonymousId: null,
        accountId: 'acme',
        properties: { $groups: { company: 'acme' }, $is_identified: true, $set: { role: 'pm' }, $set_once: { first_seen: '2026-01-01', role: 'dev' }, words: 12 },
      },
      {
        kind: 'identify', id: 'ph-3#set', timestamp: ms('2026-01-05T09:00:00Z'), userId: 'u1', anonymousId: null, accountId: null,
        traits: { role: 'pm' }, setOnce: { first_seen: '2026-01-01', role: 'dev' },
      },
    ]);
  });

  it('posthog-js person properties at the top level: $set, $set_once, $unset (the top level wins a key both name)', () => {
    expect(ok({
      event: '$pageview', uuid: 'ph-top', timestamp: '2026-01-05T09:00:00Z',
      properties: { distinct_id: 'anon-1', $set: { plan: 'free', os: 'mac' }, $unset: ['legacy'] },
      $set: { plan: 'team' }, $set_once: { first_url: '/pricing' }, $unset: ['old'],
    })[1]).toEqual({
      kind: 'identify', id: 'ph-top#set', timestamp: ms('2026-01-05T09:00:00Z'), userId: 'anon-1', anonymousId: null, accountId: null,
      traits: { plan: 'team', os: 'mac' }, setOnce: { first_url: '/pricing' }, unset: ['legacy', 'old'],
    });
    expect(ok({ event: '$set', distinct_id: 'u1', uuid: 'ph-s', timestamp: '2026-01-05T09:00:00Z', $set_once: { signup: 'x' } }))
      .toMatchObject([{ kind: 'identify', userId: 'u1', traits: {}, setOnce: { signup: 'x' } }]);
    expect(normalizeMessage({ event: 'x', distinct_id: 'u1', timestamp: '2026-01-05T09:00:00Z', $unset: 'plan' }))
      .toEqual({ ok: false, error: '$unset: expected a list of trait names' });
  });

  it('the account is the $groups "company" key, else the first group type listed', () => {
    const account = (groups: object) => one({ event: 'x', distinct_id: 'u1', uuid: 'g', timestamp: '2026-01-05T09:00:00Z', properties: { $groups: groups } });
    expect(account({ project: 'p1', company: 'acme' })).toMatchObject({ accountId: 'acme' });
    expect(account({ team: 't9', project: 'p1' })).toMatchObject({ accountId: 't9' });
  });

  it('an event not marked $is_identified keeps the distinct_id as the anonymous id', () => {
    expect(one({ event: 'Clicked', distinct_id: 'd-1', uuid: 'ph-4', timestamp: '2026-01-05T09:00:00Z' }))
      .toMatchObject({ userId: null, anonymousId: 'd-1' });
  });

  it('the distinct_id may sit in properties', () => {
    expect(one({ event: 'Clicked', uuid: 'ph-5', timestamp: '2026-01-05T09:00:00Z', properties: { distinct_id: 'd-2' } }))
      .toMatchObject({ kind: 'event', anonymousId: 'd-2' });
  });

  it('$identify links $anon_distinct_id to the distinct_id, with $set traits', () => {
    expect(one({
      event: '$identify', distinct_id: 'u1', uuid: 'ph-6', timestamp: '2026-01-05T09:00:00Z',
      properties: { $anon_distinct_id: 'ph-anon-1', $set: { email: 'maya@acme.io' } },
    })).toEqual({
      kind: 'identify', id: 'ph-6', timestamp: ms('2026-01-05T09:00:00Z'), userId: 'u1', anonymousId: 'ph-anon-1',
      accountId: null, traits: { email: 'maya@acme.io' },
    });
  });

  it('$set is an identify of the distinct_id', () => {
    expect(one({ event: '$set', distinct_id: 'u1', uuid: 'ph-7', timestamp: '2026-01-05T09:00:00Z', properties: { $set: { plan: 'team' } } }))
      .toEqual({
        kind: 'identify', id: 'ph-7', timestamp: ms('2026-01-05T09:00:00Z'), userId: 'u1', anonymousId: null,
        accountId: null, traits: { plan: 'team' },
      });
  });

  it('$groupidentify sets account traits from $group_key/$group_set', () => {
    expect(one({
      event: '$groupidentify', distinct_id: 'u1', uuid: 'ph-8', timestamp: '2026-01-05T09:00:00Z',
      properties: { $group_type: 'company', $group_key: 'acme', $group_set: { name: 'Acme', seats: 25 } },
    })).toEqual({
      kind: 'group', id: 'ph-8', timestamp: ms('2026-01-05T09:00:00Z'), userId: null, anonymousId: null,
      accountId: 'acme', traits: { name: 'Acme', seats: 25 },
    });
  });

  it('$create_alias links the alias to the distinct_id', () => {
    expect(one({ event: '$create_alias', distinct_id: 'u1', uuid: 'ph-9', timestamp: '2026-01-05T09:00:00Z', properties: { alias: 'old-id' } }))
      .toEqual({
        kind: 'alias', id: 'ph-9', timestamp: ms('2026-01-05T09:00:00Z'), userId: 'u1', anonymousId: 'old-id',
        accountId: null, traits: {},
      });
  });

  it('timestamp from sent_at − offset, else sent_at, else $time (seconds)', () => {
    const base = { event: 'X', distinct_id: 'd', uuid: 'ph-10' };
    expect(one({ ...base, sent_at: '2026-01-05T10:00:10Z', offset: 2500 }).timestamp).toBe(ms('2026-01-05T10:00:07.500Z'));
    expect(one({ ...base, sent_at: '2026-01-05T10:00:10Z' }).timestamp).toBe(ms('2026-01-05T10:00:10Z'));
    expect(one({ ...base, properties: { $time: 1767607200.25 } }).timestamp).toBe(ms('2026-01-05T10:00:00.250Z'));
    expect(one({ ...base, timestamp: '2026-01-05T09:00:00Z', sent_at: '2026-01-05T10:00:10Z', offset: 5 }).timestamp)
      .toBe(ms('2026-01-05T09:00:00Z'));
  });

  it('with a receivedAt: offset counts back from it, and timestamp is corrected by the sent_at skew (as PostHog does)', () => {
    const ctx = { receivedAt: ms('2026-01-05T10:00:00Z') };
    const base = { event: 'X', distinct_id: 'd', uuid: 'ph-11' };
    expect(one({ ...base, offset: 1500 }, ctx).timestamp).toBe(ms('2026-01-05T09:59:58.500Z'));
    expect(one({ ...base, offset: 1500, sent_at: '2026-01-05T10:02:00Z' }, ctx).timestamp).toBe(ms('2026-01-05T09:59:58.500Z'));
    // The client clock is 2 minutes fast.
    expect(one({ ...base, timestamp: '2026-01-05T10:01:30Z', sent_at: '2026-01-05T10:02:00Z' }, ctx).timestamp)
      .toBe(ms('2026-01-05T09:59:30Z'));
    expect(one({ ...base, timestamp: '2026-01-05T09:00:00Z' }, ctx).timestamp).toBe(ms('2026-01-05T09:00:00Z'));
    expect(one({ ...base }, ctx).timestamp).toBe(ms('2026-01-05T10:00:00Z'));
  });
});

describe('rejections name the field', () => {
  const track = { type: 'track', event: 'X', userId: 'u1', messageId: 'm', timestamp: '2026-01-05T10:00:00Z' };

  it.each([
    ['not an object', ['a'], 'message: expected a JSON object'],
    ['no userId nor anonymousId', { type: 'track', event: 'X', timestamp: '2026-01-05T10:00:00Z' }, 'userId: either userId or anonymousId is required'],
    ['empty event', { ...track, event: '' }, 'event: required, a non-empty string'],
    ['missing event', { type: 'track', userId: 'u1', timestamp: '2026-01-05T10:00:00Z' }, 'event: required, a non-empty string'],
    ['event name too long', { ...track, event: 'e'.repeat(513) }, 'event: longer than 512 characters'],
    ['bad timestamp', { ...track, timestamp: 'next tuesday' }, 'timestamp: not a valid timestamp: "next tuesday"'],
    ['bad originalTimestamp', { type: 'track', event: 'X', userId: 'u1', originalTimestamp: '2026-13-45' }, 'originalTimestamp: not a valid timestamp: "2026-13-45"'],
    ['timestamp out of range', { ...track, timestamp: '2300-01-01T00:00:00Z' }, 'timestamp: out of range (1970–2199)'],
    ['no time at all', { type: 'track', event: 'X', userId: 'u1' }, 'timestamp: required'],
    ['properties not an object', { ...track, properties: [1, 2] }, 'properties: expected an object'],
    ['properties a string', { ...track, properties: 'plan=pro' }, 'properties: expected an object'],
    ['traits not an object', { type: 'identify', userId: 'u1', timestamp: '2026-01-05T10:00:00Z', traits: 5 }, 'traits: expected an object'],
    ['userId too long', { ...track, userId: 'u'.repeat(513) }, 'userId: longer than 512 characters'],
    ['anonymousId not a string', { ...track, userId: undefined, anonymousId: { id: 1 } }, 'anonymousId: expected a string'],
    ['messageId too long', { ...track, messageId: 'm'.repeat(513) }, 'messageId: longer than 512 characters'],
    ['unknown type', { ...track, type: 'pageview' }, 'type: expected one of track, identify, page, screen, group, alias, got "pageview"'],
    ['no type and no event', { userId: 'u1', timestamp: '2026-01-05T10:00:00Z' }, 'type: expected one of track, identify, page, screen, group, alias'],
    ['group without groupId', { type: 'group', userId: 'u1', timestamp: '2026-01-05T10:00:00Z' }, 'groupId: required for group'],
    ['alias without previousId', { type: 'alias', userId: 'u1', timestamp: '2026-01-05T10:00:00Z' }, 'previousId: required for alias'],
    ['alias without userId', { type: 'alias', previousId: 'a1', timestamp: '2026-01-05T10:00:00Z' }, 'userId: required for alias'],
    ['PostHog uuid too long', { event: 'X', distinct_id: 'd', uuid: 'x'.repeat(513), timestamp: '2026-01-05T10:00:00Z' }, 'uuid: longer than 512 characters'],
    ['PostHog empty event', { event: '', distinct_id: 'd', timestamp: '2026-01-05T10:00:00Z' }, 'event: required, a non-empty string'],
    ['PostHog properties not an object', { event: 'X', distinct_id: 'd', timestamp: '2026-01-05T10:00:00Z', properties: 'x' }, 'properties: expected an object'],
    ['PostHog bad sent_at', { event: 'X', distinct_id: 'd', sent_at: 'soon' }, 'sent_at: not a valid timestamp: "soon"'],
    ['$create_alias without alias', { event: '$create_alias', distinct_id: 'd', timestamp: '2026-01-05T10:00:00Z' }, 'properties.alias: required for $create_alias'],
    ['$groupidentify without $group_key', { event: '$groupidentify', distinct_id: 'd', timestamp: '2026-01-05T10:00:00Z', properties: {} }, 'properties.$group_key: required for $groupidentify'],
  ])('%s', (_name, raw, reason) => {
    expect(error(raw)).toBe(reason);
  });

  it('never throws on deeply nested input', () => {
    let deep: unknown = {};
    for (let i = 0; i < 200_000; i++) deep = { a: deep };
    const result = normalizeMessage({ ...track, messageId: undefined, properties: deep });
    expect(result.ok ? 'ok' : result.error).toBe('message: too deeply nested');
  });
});
