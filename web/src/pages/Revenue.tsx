import { useState } from 'react';
import { reportUrl, useApi } from '../api';
import { PeopleCount } from '../components/PeopleDrawer';
import { ExportCsv } from '../components/table';
import { Badge, Card, Empty, Kpi, Load, Toggle } from '../components/ui';
import { recordsCsv } from '../exports';
import { useView } from '../context';
import { exact, money, pct, targetText } from '../format';
import type { RevenuePeriod, RevenueReport, Status, Unit } from '../types';
import { Movements, Waterfall } from './RevenueCharts';

type Period = 'month' | 'week';
type HealthName = keyof RevenueReport['targets'];

/** The server judges each figure against its `health:` target; the page only colours the verdict. */
const STATUS_TONE: Partial<Record<Status, 'good' | 'bad'>> = { on_track: 'good', off_track: 'bad' };

const READINGS: Record<string, { text: string; tone: 'good' | 'bad' | 'warn' }> = {
  failing: { text: 'about 1:1, failing', tone: 'bad' },
  below_benchmark: { text: 'below the 3:1 benchmark', tone: 'warn' },
  healthy: { text: 'healthy (3:1 or better)', tone: 'good' },
  invest_more: { text: '4:1 or better: invest more', tone: 'good' },
};

export function Revenue() {
  const { asOf } = useView();
  const [period, setPeriod] = useState<Period>('month');
  const report = useApi<RevenueReport>(reportUrl('revenue', { as_of: asOf, period: period === 'month' ? null : period }));
  return (
    <div className="stack">
      <div className="page-actions">
        <Toggle<Period> label="Revenue period" value={period} options={[{ value: 'month', label: 'Monthly' }, { value: 'week', label: 'Weekly' }]} onChange={setPeriod} />
      </div>
      <Load result={report} what="revenue">
        {(r) =>
          r.periods.every((p) => p.mrr_start === 0 && p.mrr_end === 0 && p.new === 0 && p.churn === 0) ? (
            <Empty title="No subscription revenue yet">
              Import a ledger (<code>truenorth import subscriptions ledger.csv</code>) or point Stripe webhooks at <code>/webhooks/stripe</code>. {r.warnings.join(' ')}
            </Empty>
          ) : (
            <RevenueView report={r} />
          )
        }
      </Load>
    </div>
  );
}

function RevenueView({ report }: { report: RevenueReport }) {
  const complete = report.periods.filter((p) => p.complete);
  const [picked, setPicked] = useState<string | null>(null);
  const current = report.periods.find((p) => p.period === picked) ?? complete[complete.length - 1] ?? report.periods[report.periods.length - 1];
  const status = report.status[report.periods.indexOf(current)] ?? {};
  const ltvIndex = report.periods.findLastIndex((p) => p.complete && p.cltv_cac !== null);
  const ltv = ltvIndex < 0 ? undefined : report.periods[ltvIndex];
  const cash = [...report.periods].reverse().find((p) => p.cash_balance !== null);
  const currency = report.currencies.length === 1 && report.currencies[0] !== 'USD' ? `${report.currencies[0]} ` : '$';
  const m = (v: number | null) => money(v, currency);
  /** Table cells compact from $1,000 ($2.8k), so the whole table fits a laptop's width. */
  const mc = (v: number | null) => money(v, currency, 1e3);
  const reading = ltv?.cltv_cac_reading ? READINGS[ltv.cltv_cac_reading] : undefined;
  const at = report.as_of.slice(0, 10);
  const of = current.period;
  const tone = (name: HealthName) => STATUS_TONE[status[name] ?? 'no_target'];
  /** The hint of a judged figure names its target: "target ≤ 2.0%". */
  const goal = (name: HealthName, unit: Unit, otherwise: string) => {
    const target = report.targets[name];
    return target && status[name] ? `target ${targetText(target, unit)}` : otherwise;
  };
  return (
    <>
      <div className="kpi-grid">
        <Kpi label={`MRR at ${at}`} value={m(report.mrr_as_of)} hint={`${report.customers_as_of} paying customers at ${at}`} testId="kpi-mrr" />
        <Kpi label={`Net new MRR ${of}`} value={m(current.net_new_mrr)} tone={current.net_new_mrr >= 0 ? 'good' : 'bad'} hint={`${current.customers_start} → ${current.customers_end} customers in ${of}`} testId="kpi-net-new" />
        <Kpi label={`NRR ${of}`} value={pct(current.nrr, 0)} tone={tone('nrr')} hint={goal('nrr', 'rate', 'net revenue retention')} testId="kpi-nrr" />
        <Kpi label={`GRR ${of}`} value={pct(current.grr, 0)} tone={tone('grr')} hint={goal('grr', 'rate', 'gross revenue retention')} />
        <Kpi label={`Revenue churn ${of}`} value={pct(current.gross_revenue_churn)} tone={tone('revenue_churn')} hint={goal('revenue_churn', 'rate', '(churn + contraction) ÷ MRR start')} testId="kpi-revenue-churn" />
        <Kpi label={`Customer churn ${of}`} value={pct(current.customer_churn_rate)} tone={tone('customer_churn')} hint={`${current.churned_customers} of ${current.customers_start} lost`} />
        <Kpi label={`Quick ratio ${of}`} value={current.quick_ratio === null ? '—' : `${current.quick_ratio.toFixed(1)}`} tone={tone('quick_ratio')} hint="growth ÷ losses" />
        <Kpi label={`ARPC ${of}`} value={m(current.arpc)} tone={tone('arpc')} hint={`MRR ÷ customers at the end of ${of}`} />
        <Kpi label={`CLTV:CAC${ltv ? ` ${ltv.period}` : ''}`} value={ltv?.cltv_cac ? `${ltv.cltv_cac.toFixed(1)}:1` : '—'} tone={reading?.tone} hint={reading ? reading.text : 'needs churn and S&M spend'} testId="kpi-cltv-cac" />
        <Kpi label={`CAC ${ltv ? ltv.period : of}`} value={m(ltv?.cac ?? current.cac)} hint={ltv?.cac_payback_months ? `payback ${ltv.cac_payback_months.toFixed(1)} months` : 'S&M spend ÷ new customers'} />
        <Kpi label={`Cash balance${cash ? ` ${cash.period}` : ''}`} value={m(cash?.cash_balance ?? null)} hint={cash ? `entered for ${cash.period}` : 'enter it weekly'} />
        <Kpi label={`Runway${cash ? ` ${cash.period}` : ''}`} value={cash?.runway_months ? `${cash.runway_months.toFixed(1)} mo` : '—'} tone={cash?.runway_months ? (cash.runway_months >= 12 ? 'good' : 'warn') : undefined} hint={cash?.burn ? `burn ${m(cash.burn)}/mo` : 'cash ÷ monthly burn'} />
      </div>
      <div className="grid-2">
        <Card
          title="MRR bridge"
          subtitle={`${current.period}${current.complete ? '' : ' (not over yet)'}: start + new + reactivation + expansion − contraction − churn = end`}
          id="bridge"
          actions={
            <label className="control">
              <span className="sr-only">Period</span>
              <select value={current.period} onChange={(e) => setPicked(e.target.value)}>
                {report.periods.map((p) => (
                  <option key={p.period} value={p.period}>
                    {p.period}
                    {p.complete ? '' : ' *'}
                  </option>
                ))}
              </select>
            </label>
          }
        >
          <Waterfall p={current} currency={currency} />
          <MovementAccounts p={current} period={report.period} />
        </Card>
        <Card title="MRR movements" subtitle={`Per ${report.period}: gains above zero, losses below, the line is the net`} id="movements">
          <Movements report={report} currency={currency} />
        </Card>
      </div>
      <Card title="By period" id="revenue-table" actions={<ExportCsv name="by-period" table={() => recordsCsv(report.periods)} />}>
        <div className="table-scroll" tabIndex={0} role="region" aria-label="Revenue by period">
          <table className="data compact">
            <thead>
              <tr>
                <th scope="col" className="sticky-col">Period</th>
                {['MRR start', 'New', 'Reactiv.', 'Expansion', 'Contraction', 'Churn', 'MRR end', 'Customers', 'Rev. churn', 'NRR', 'GRR', 'ARPC', 'CAC', 'CLTV', 'Cash', 'Runway'].map((h) => (
                  <th scope="col" key={h} className="num">{h}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {report.periods.map((p, i) => (
                <tr key={p.period}>
                  <th scope="row" className="sticky-col nowrap">{p.period}{p.complete ? '' : ' *'}</th>
                  <td className="num">{mc(p.mrr_start)}</td>
                  <td className="num pos">{mc(p.new)}</td>
                  <td className="num pos">{mc(p.reactivation)}</td>
                  <td className="num pos">{mc(p.expansion)}</td>
                  <td className="num neg">{mc(p.contraction)}</td>
                  <td className="num neg">{mc(p.churn)}</td>
                  <td className="num strong">{mc(p.mrr_end)}</td>
                  <td className="num">{p.customers_start}→{p.customers_end}</td>
                  <td className={judged(report, i, 'revenue_churn')}>{pct(p.gross_revenue_churn)}</td>
                  <td className={judged(report, i, 'nrr')}>{pct(p.nrr, 0)}</td>
                  <td className={judged(report, i, 'grr')}>{pct(p.grr, 0)}</td>
                  <td className="num">{mc(p.arpc)}</td>
                  <td className="num">{mc(p.cac)}</td>
                  <td className="num">{mc(p.cltv)}</td>
                  <td className="num">{mc(p.cash_balance)}</td>
                  <td className="num">{p.runway_months === null ? '—' : `${p.runway_months.toFixed(1)} mo`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <p className="muted small">
          * not over yet. Red: worse than its target in truenorth.yaml (health targets are monthly). CLTV = ARPC × gross margin {report.gross_margin} ÷ monthly customer churn averaged over the trailing 6 complete months.
        </p>
        {report.warnings.length > 0 && (
          <ul className="warnings">
            {report.warnings.map((w) => (
              <li key={w}><Badge tone="warn">note</Badge> {w}</li>
            ))}
          </ul>
        )}
      </Card>
    </>
  );
}

/** A table cell's class: red when the period's figure misses its target. */
function judged(report: RevenueReport, index: number, name: HealthName): string {
  return report.status[index]?.[name] === 'off_track' ? 'num neg' : 'num';
}

const MOVEMENT_COUNTS = [
  ['new', 'New', 'new_customers'], ['reactivation', 'Reactivated', 'reactivated_customers'], ['expansion', 'Expanded', 'expanded_customers'],
  ['contraction', 'Contracted', 'contracted_customers'], ['churn', 'Churned', 'churned_customers'],
] as const;

/** The accounts behind each movement of the period, each count opening their list. */
function MovementAccounts({ p, period }: { p: RevenuePeriod; period: 'week' | 'month' }) {
  return (
    <p className="small" data-testid="movement-accounts">
      Accounts in {p.period}:{' '}
      {MOVEMENT_COUNTS.map(([movement, label, field], i) => (
        <span key={movement}>
          {i > 0 && ' · '}
          {label}{' '}
          <PeopleCount query={{ of: 'mrr', movement, [period]: p.period }} title={`${label} accounts, ${p.period}`}>{exact(p[field])}</PeopleCount>
        </span>
      ))}
    </p>
  );
}
