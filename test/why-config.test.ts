import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { modelFromConfig } from '../src/config/model.js';
import { ConfigError } from '../src/errors.js';
import { formatFormula } from '../src/model/formula.js';

const lines = (...rows: string[]) => rows.join('\n') + '\n';
const config = (...extra: string[]) => lines(
  'product: Acme', //                                                                         1
  'journey:', //                                                                              2
  '  visit: { event: Page Viewed }', //                                                       3
  '  signup: { event: Signed Up, owner: maya }', //                                           4
  'north_star: { name: Messages, event: Message Sent, measure: count, frequency: week }', //  5
  'metrics:', //                                                                              6
  '  - { id: active_accounts, event: Message Sent, measure: unique_accounts, frequency: week }', // 7
  '  - { id: messages_per_account, event: Message Sent, measure: count, per: account, frequency: week }', // 8
  ...extra,
);

function errorOf(text: string): string {
  try {
    parseConfig(text);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('formula: and why: in truenorth.yaml', () => {
  it('a formula metric is parsed into the model, apart from the measured metrics', () => {
    const model = modelFromConfig(parseConfig(config(
      '  - { id: messages, formula: active_accounts * messages_per_account, frequency: week }',
      'why: { breakdown: account.plan }',
    )));
    expect(model.metrics.map((m) => m.id)).toEqual(['active_accounts', 'messages_per_account']);
    expect(model.formulas?.map((m) => [m.id, formatFormula(m.formula)])).toEqual([['messages', 'active_accounts * messages_per_account']]);
    expect(model.whyBreakdown).toEqual({ kind: 'account_trait', key: 'plan' });
  });

  it('an unknown id gets the key path, the line and a suggestion', () => {
    const message = errorOf(config('  - { id: messages, formula: active_acounts * messages_per_account, frequency: week }'));
    expect(message).toMatch(/line 9/);
    expect(message).toMatch(/metrics\[2\]\.formula/);
    expect(message).toMatch(/unknown metric "active_acounts" in the formula \(did you mean "active_accounts"\?\)/);
  });

  it('a syntax error says where', () => {
    const message = errorOf(config('  - { id: messages, formula: "active_accounts * * messages_per_account", frequency: week }'));
    expect(message).toMatch(/metrics\[2\]\.formula/);
    expect(message).toMatch(/expected a metric id, a number or "\(" at column 19/);
  });

  it('a formula names measured metrics, and is not also an event', () => {
    expect(errorOf(config('  - { id: a, formula: active_accounts * 2, frequency: week }', '  - { id: b, formula: a + 1, frequency: week }'))).toMatch(/"a" is itself a formula/);
    expect(errorOf(config('  - { id: a, formula: a * 2, frequency: week }'))).toMatch(/cannot use its own metric/);
    expect(errorOf(config('  - { id: a, formula: active_accounts * 2, event: Message Sent, frequency: week }'))).toMatch(/metrics\[2\]\.event.*takes its value from the formula/);
  });

  it('the North Star takes a formula over metrics, checked the same way', () => {
    const text = config().replace('frequency: week }\nmetrics', 'frequency: week, formula: active_accounts * messages_per_acount }\nmetrics');
    expect(errorOf(text)).toMatch(/north_star\.formula.*did you mean "messages_per_account"/);
  });

  it('why.breakdown is a user or account trait', () => {
    expect(errorOf(config('why: { breakdown: plan }'))).toMatch(/why\.breakdown.*expected user\.<trait> or account\.<trait>, got "plan"/);
  });
});
