import type { StoredInvoice, StoredLedgerRow, StoredState, StripeFactStore } from '../stripe/ledger.js';
import { chTimestamp } from './connection.js';
import { writeLedgerToClickHouse } from './import.js';
import type { ClickHouseStore } from './store.js';
import { nextSeq } from './values.js';

/**
 * The Stripe facts in ClickHouse (schema version 7). Every write is an insert keyed as DuckDB's
 * primary keys, and the views read the tables with FINAL, so a webhook delivered again or a history
 * import run again writes the same keys and changes nothing a report sees.
 */
export function clickHouseStripeFacts(store: ClickHouseStore): StripeFactStore {
  const c = store.connection;
  return {
    storeFact: async (fact) => {
      if (fact.kind === 'subscription') {
        const s = fact.state;
        await c.insert('tn_stripe_subscription_states', [{
          subscription_id: s.subscriptionId, effective_ms: s.effectiveAt, account_id: s.accountId, ended: s.ended, object: JSON.stringify(s.object), written: nextSeq(),
        }]);
        return;
      }
      const i = fact.invoice;
      await c.insert('tn_stripe_invoices', [{
        invoice_id: i.invoiceId, subscription_id: i.subscriptionId, period_start_ms: i.periodStart, base_minor: i.baseMinor, discounts: JSON.stringify(i.discounts), stage: i.stage,
      }]);
    },
    states: (sub) => store.all<StoredState>(
      'SELECT effective_ms, account_id, ended, object FROM stripe_subscription_states WHERE subscription_id = {sub:String}', { sub }),
    invoices: (sub) => store.all<StoredInvoice>(
      'SELECT invoice_id, period_start_ms, base_minor, discounts, stage FROM stripe_invoices WHERE subscription_id = {sub:String}', { sub }),
    ledgerRows: (sub) => store.all<StoredLedgerRow>(
      `SELECT account_id, toUnixTimestamp64Milli(effective_at) AS t, mrr, plan, currency FROM subscriptions
       WHERE subscription_id = {sub:String} AND source = 'stripe'`, { sub }),
    dropLedgerRow: async (account, sub, t) => {
      const [row] = await store.all<{ source: string }>(
        `SELECT source FROM subscriptions WHERE account_id = {account:String} AND subscription_id = {sub:String} AND toUnixTimestamp64Milli(effective_at) = {t:Int64}`,
        { account, sub, t });
      if (row?.source !== 'stripe') return;
      await c.insert('tn_subscriptions', [{
        account_id: account, subscription_id: sub, effective_at: chTimestamp(t), mrr: 0, plan: null, currency: null,
        source: 'stripe', recorded_at: chTimestamp(Date.now()), written: nextSeq(), deleted: 1,
      }]);
    },
    writeLedger: (entries) => writeLedgerToClickHouse(store, entries, 'stripe'),
  };
}
