import { writeLedger } from '../ingest/import-ledger.js';
import type { StoredInvoice, StoredLedgerRow, StoredState, StripeFactStore } from '../stripe/ledger.js';
import type { DuckDbStore } from './database.js';

/** The Stripe facts in DuckDB (migration 8): primary keys make a stored fact replace its earlier copy. */
export function duckDbStripeFacts(store: DuckDbStore): StripeFactStore {
  return {
    storeFact: async (fact) => {
      if (fact.kind === 'subscription') {
        const s = fact.state;
        await store.run(
          `INSERT OR REPLACE INTO stripe_subscription_states VALUES ($sub, $at, $account, $ended, $object)`,
          { sub: s.subscriptionId, at: s.effectiveAt, account: s.accountId, ended: s.ended, object: JSON.stringify(s.object) },
        );
        return;
      }
      const i = fact.invoice;
      await store.run(
        `INSERT OR REPLACE INTO stripe_invoices
         SELECT $id, $sub, $start, $base, $discounts, $stage
         WHERE NOT EXISTS (SELECT 1 FROM stripe_invoices WHERE invoice_id = $id AND stage > $stage)`,
        { id: i.invoiceId, sub: i.subscriptionId, start: i.periodStart, base: i.baseMinor, discounts: JSON.stringify(i.discounts), stage: i.stage },
      );
    },
    states: (sub) => store.all<StoredState>(
      'SELECT effective_ms, account_id, ended, object FROM stripe_subscription_states WHERE subscription_id = $sub', { sub }),
    invoices: (sub) => store.all<StoredInvoice>(
      'SELECT invoice_id, period_start_ms, base_minor, discounts, stage FROM stripe_invoices WHERE subscription_id = $sub', { sub }),
    ledgerRows: (sub) => store.all<StoredLedgerRow>(
      `SELECT account_id, epoch_ms(effective_at) AS t, mrr, plan, currency FROM subscriptions WHERE subscription_id = $sub AND source = 'stripe'`, { sub }),
    dropLedgerRow: async (account, sub, t) => {
      await store.run(
        `DELETE FROM subscriptions WHERE account_id = $account AND subscription_id = $sub AND epoch_ms(effective_at) = $t AND source = 'stripe'`,
        { account, sub, t });
    },
    writeLedger: (entries) => writeLedger(store, entries, 'stripe'),
  };
}
