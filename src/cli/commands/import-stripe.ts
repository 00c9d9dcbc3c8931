import type { Command } from 'commander';
import { listStripeHistory, stripeClient, type StripeImportReport } from '../../engine/stripe/backfill.js';
import { InputError } from '../../errors.js';
import { requireCapability } from '../../server/require-capability.js';
import { readConfigIfPresent, withPort, type GlobalOptions } from '../context.js';
import { printJson, progressBar } from '../output.js';

interface StripeFlags {
  key?: string;
  apiBase?: string;
  json?: boolean;
}

/** `truenorth import stripe`: the subscription history from the Stripe API (docs/stripe.md). */
export function registerImportStripe(program: Command, imports: Command): void {
  imports
    .command('stripe')
    .description('the subscription history from the Stripe API: subscriptions of every status, their items, prices, discounts and invoices')
    .option('--key <key>', 'a restricted key (rk_…) with read access (default: $STRIPE_API_KEY)')
    .option('--api-base <url>', 'the API\'s address (default: $STRIPE_API_BASE, else https://api.stripe.com)')
    .option('--json', 'print the result as JSON')
    .action(async (flags: StripeFlags) => {
      const globals = program.opts<GlobalOptions>();
      const apiKey = flags.key ?? process.env.STRIPE_API_KEY;
      if (!apiKey) throw new InputError('import stripe: give a restricted key with --key or $STRIPE_API_KEY (read on subscriptions, invoices, prices, coupons and customers)');
      const report = await withPort(globals, readConfigIfPresent(globals), async (store) => {
        requireCapability(store, 'stripe', 'the Stripe history import');
        const client = stripeClient({ apiKey, apiBase: flags.apiBase ?? (process.env.STRIPE_API_BASE || undefined) });
        const listing = progressBar('listing Stripe objects', 'objects');
        const history = await listStripeHistory(client, apiKey, (n) => listing.update(n, n)).finally(() => listing.stop());
        const writing = progressBar('writing the ledger', 'subscriptions');
        const written = await store.importers.stripe(history.facts, (done, total) => writing.update(done, total)).finally(() => writing.stop());
        return { subscriptions: history.subscriptions, invoices: history.invoices, rejected: history.errors.length, errors: history.errors, ...written };
      });
      printStripeReport(report, flags.json);
    });
}

function printStripeReport(report: StripeImportReport, json: boolean | undefined): void {
  if (json) printJson(report);
  else {
    for (const e of report.errors.slice(0, 20)) process.stderr.write(`${e.object}: ${e.reason}\n`);
    for (const w of report.warnings.slice(0, 20)) process.stderr.write(`warning: ${w}\n`);
    process.stdout.write(`listed ${report.subscriptions} subscriptions and ${report.invoices} invoices; ledger rows ${report.ledger_rows} `
      + `(already stored ${report.duplicates}), rejected ${report.rejected}\n`);
  }
  if (report.rejected > 0 && report.rejected === report.subscriptions + report.invoices) {
    throw new InputError(`import stripe: every one of the ${report.rejected} listed objects was rejected`);
  }
}
