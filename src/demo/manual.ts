/**
 * manual.csv: the numbers finance types in every Monday — `metric,week,value,entered_by,note`.
 *   cash_balance           bank balance at the start of the week, USD
 *   sales_marketing_spend  spend during the week, USD (CAC = spend / new customers)
 *   burn                   net monthly burn run-rate, USD per month (runway = cash / burn)
 * Amounts scale with the number of signups so CAC stays believable at any size.
 */
import { isoWeekName } from './calendar.js';
import { PURPOSE } from './context.js';
import { DEFAULT_USERS, FINANCE } from './model.js';
import { hashKey, Rng } from './prng.js';
import { WEEK_MS } from '../model/time.js';

export interface ManualRow {
  metric: 'cash_balance' | 'sales_marketing_spend' | 'burn';
  week: string;
  value: number;
  note: string;
}

const SPEND_NOTES: Record<number, string> = {
  3: 'LinkedIn campaign launch',
  7: 'SaaStr booth and travel',
  11: 'Q4 paid search budget increase',
};

export function manualRows(seed: number, users: number, startMs: number, weeks: number): { rows: ManualRow[]; cashNow: number } {
  const scale = users / DEFAULT_USERS;
  const rows: ManualRow[] = [];
  let cash = FINANCE.startingCash * scale;
  let burn = FINANCE.monthlyBurn * scale;
  for (let w = 0; w < weeks; w++) {
    const rng = new Rng(hashKey(seed, PURPOSE.finance, w));
    const week = isoWeekName(startMs + w * WEEK_MS);
    const campaign = SPEND_NOTES[w] !== undefined;
    const spend = Math.round(FINANCE.weeklyMarketingSpend * scale * Math.pow(1.02, w) * rng.uniform(0.85, 1.15) * (campaign ? 1.8 : 1));
    burn = burn * rng.uniform(0.99, 1.03);
    rows.push({
      metric: 'cash_balance', week, value: Math.round(cash),
      note: w === 0 ? 'from the bank statement' : w % 4 === 0 ? 'reconciled with accounting' : '',
    });
    rows.push({ metric: 'sales_marketing_spend', week, value: spend, note: SPEND_NOTES[w] ?? '' });
    rows.push({ metric: 'burn', week, value: Math.round(burn), note: w === 0 ? 'net monthly burn, trailing 3 months' : '' });
    cash -= (burn * 12) / 52 + rng.uniform(-0.15, 0.15) * (burn / 4);
  }
  return { rows, cashNow: cash };
}

export function manualCsv(rows: ManualRow[], enteredBy: string = FINANCE.enteredBy): string {
  const lines = ['metric,week,value,entered_by,note'];
  for (const r of rows) lines.push(`${r.metric},${r.week},${r.value},${enteredBy},${csvCell(r.note)}`);
  return lines.join('\n') + '\n';
}

function csvCell(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
