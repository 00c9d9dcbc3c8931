import type { Command } from 'commander';
import { listStripeHistory, stripeClient, type StripeHistory, type StripeImportReport } from '../../engine/stripe/backfill.js';
import { readStripeCsv, stripeCsvFacts } from '../../engine/stripe/csv.js';
import { InputError } from '../../errors.js';
import { requireCapability } from '../../server/require-capability.js';
import { readConfigIfPresent, withPort, type GlobalOptions } from '../context.js';
import { printJson, progressBar } from '../output.js';

interface StripeFlags {
  key?: string;
  apiBase?: string;
  from?: string;
  strict?: boolean;
  json?: boolean;
}

/** `truenorth import stripe`: the subscription history from the Stripe API or its CSV exports (docs/stripe.md). */
export function registerImportStripe(program: Command, imports: Command): void {
  imports
    .command('stripe [exports...]')
    .description('the subscription history from the Stripe API (subscriptions of every status, their items, prices, discounts and invoices), '
      + 'or from the dashboard\'s CSV exports of subscriptions and invoices')
    .option('--key <key>', 'a restricted key (rk_…) with read access (default: $STRIPE_API_KEY)')
    .option('--api-base <url>', 'the API\'s address (default: $STRIPE_API_BASE, else https://api.stripe.com)')
    .option('--from <source>', 'api | stripe-csv (default: stripe-csv when files are given, else api)')
    .option('--strict', 'CSV exports: reject the whole import, writing nothing, at the first bad row')
    .option('--json', 'print the result as JSON')
    .action(async (files: string[], flags: StripeFlags) => {
      const globals = program.opts<GlobalOptions>();
      const from = flags.from ?? (files.length > 0 ? 'stripe-csv' : 'api');
      if (from !== 'api' && from !== 'stripe-csv') throw new InputError(`--from: api or stripe-csv, not ${JSON.stringify(from)}`);
      if (from === 'api' && files.length > 0) throw new InputError('import stripe: files are CSV exports (--from stripe-csv); the API needs none');
      const report = await withPort(globals, readConfigIfPresent(globals), async (store) => {
        requireCapability(store, 'stripe', 'the Stripe history import');
        const history = from === 'api' ? await fromApi(flags) : await fromCsv(files, flags.strict);
        const writing = progressBar('writing the ledger', 'subscriptions');
        const written = await store.importers.stripe(history.facts, (done, total) => writing.update(done, total)).finally(() => writing.stop());
        return { subscriptions: history.subscriptions, invoices: history.invoices, rejected: history.rejected, errors: history.errors, ...written };
      });
      printStripeReport(report, flags.json);
    });
}

async function fromApi(flags: StripeFlags): Promise<StripeHistory> {
  const apiKey = flags.key ?? process.env.STRIPE_API_KEY;
  if (!apiKey) throw new InputError('import stripe: give a restricted key with --key or $STRIPE_API_KEY (read on subscriptions, invoices, prices, coupons and customers)');
  const client = await stripeClient({ apiKey, apiBase: flags.apiBase ?? (process.env.STRIPE_API_BASE || undefined) });
  const listing = progressBar('listing Stripe objects', 'objects');
  return listStripeHistory(client, apiKey, (n) => listing.update(n, n)).finally(() => listing.stop());
}

async function fromCsv(files: readonly string[], strict: boolean | undefined): Promise<StripeHistory> {
  const read = await readStripeCsv(files, strict);
  const told = stripeCsvFacts(read);
  return { facts: told.facts, subscriptions: told.subscriptions, invoices: read.invoices.length, rejected: told.rejected, errors: told.errors };
}

function printStripeReport(report: StripeImportReport, json: boolean | undefined): void {
  if (json) printJson(report);
  else {
    for (const e of report.errors.slice(0, 20)) process.stderr.write(`${e.object}: ${e.reason}\n`);
    for (const w of report.warnings.slice(0, 20)) process.stderr.write(`warning: ${w}\n`);
    process.stdout.write(`listed ${report.subscriptions} subscriptions and ${report.invoices} invoices; ledger rows ${report.ledger_rows} `
      + `(already stored ${report.duplicates}), rejected ${report.rejected}\n`);
  }
  if (report.rejected > 0 && report.ledger_rows === 0) {
    throw new InputError(`import stripe: nothing was imported; ${report.rejected} objects or rows were rejected`);
  }
}
