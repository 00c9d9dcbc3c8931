import { useState } from 'react';
import { Bar, BarChart, CartesianGrid, Cell, ComposedChart, LabelList, Legend, Line, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { reportUrl, useApi } from '../api';
import { AXIS_TICK, COLOURS, TOOLTIP_STYLE } from '../components/charts';
import { Badge, Card, Empty, Kpi, Load, Toggle } from '../components/ui';
import { useView } from '../context';
import { compact, exact, money, pct } from '../format';
import type { RevenuePeriod, RevenueReport } from '../types';

type Period = 'month' | 'week';

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
  const ltv = [...report.periods].reverse().find((p) => p.complete && p.cltv_cac !== null);
  const cash = [...report.periods].reverse().find((p) => p.cash_balance !== null);
  const currency = report.currencies.length === 1 && report.currencies[0] !== 'USD' ? `${report.currencies[0]} ` : '$';
  const m = (v: number | null) => money(v, currency);
  const reading = ltv?.cltv_cac_reading ? READINGS[ltv.cltv_cac_reading] : undefined;
  return (
    <>
      <div className="kpi-grid">
        <Kpi label={`MRR at ${report.as_of.slice(0, 10)}`} value={m(report.mrr_as_of)} hint={`${current.customers_end} paying customers`} testId="kpi-mrr" />
        <Kpi label={`Net new MRR ${current.period}`} value={m(current.net_new_mrr)} tone={current.net_new_mrr >= 0 ? 'good' : 'bad'} />
        <Kpi label="NRR" value={pct(current.nrr, 0)} tone={current.nrr === null ? undefined : current.nrr >= 1 ? 'good' : 'warn'} hint="net revenue retention" />
        <Kpi label="GRR" value={pct(current.grr, 0)} hint="gross revenue retention" />
        <Kpi label="Revenue churn" value={pct(current.gross_revenue_churn)} hint="(churn + contraction) ÷ MRR start" />
        <Kpi label="Customer churn" value={pct(current.customer_churn_rate)} hint={`${current.churned_customers} lost`} />
        <Kpi label="Quick ratio" value={current.quick_ratio === null ? '—' : `${current.quick_ratio.toFixed(1)}`} hint="growth ÷ losses" />
        <Kpi label="ARPC" value={m(current.arpc)} hint="MRR ÷ customers" />
        <Kpi label={`CLTV:CAC${ltv ? ` ${ltv.period}` : ''}`} value={ltv?.cltv_cac ? `${ltv.cltv_cac.toFixed(1)}:1` : '—'} tone={reading?.tone} hint={reading ? reading.text : 'needs churn and S&M spend'} />
        <Kpi label="CAC" value={m(ltv?.cac ?? current.cac)} hint={ltv?.cac_payback_months ? `payback ${ltv.cac_payback_months.toFixed(1)} months` : 'S&M spend ÷ new customers'} />
        <Kpi label="Cash balance" value={m(cash?.cash_balance ?? null)} hint={cash ? `entered for ${cash.period}` : 'enter it weekly'} />
        <Kpi label="Runway" value={cash?.runway_months ? `${cash.runway_months.toFixed(1)} mo` : '—'} tone={cash?.runway_months ? (cash.runway_months >= 12 ? 'good' : 'warn') : undefined} hint={cash?.burn ? `burn ${m(cash.burn)}/mo` : 'cash ÷ monthly burn'} />
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
        </Card>
        <Card title="MRR movements" subtitle={`Per ${report.period}; the line is MRR at the end`} id="movements">
          <Movements report={report} currency={currency} />
        </Card>
      </div>
      <Card title="By period" id="revenue-table">
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
              {report.periods.map((p) => (
                <tr key={p.period}>
                  <th scope="row" className="sticky-col nowrap">{p.period}{p.complete ? '' : ' *'}</th>
                  <td className="num">{m(p.mrr_start)}</td>
                  <td className="num pos">{m(p.new)}</td>
                  <td className="num pos">{m(p.reactivation)}</td>
                  <td className="num pos">{m(p.expansion)}</td>
                  <td className="num neg">{m(p.contraction)}</td>
                  <td className="num neg">{m(p.churn)}</td>
                  <td className="num strong">{m(p.mrr_end)}</td>
                  <td className="num">{p.customers_start}→{p.customers_end}</td>
                  <td className="num">{pct(p.gross_revenue_churn)}</td>
                  <td className="num">{pct(p.nrr, 0)}</td>
                  <td className="num">{pct(p.grr, 0)}</td>
                  <td className="num">{m(p.arpc)}</td>
                  <td className="num">{m(p.cac)}</td>
                  <td className="num">{m(p.cltv)}</td>
                  <td className="num">{m(p.cash_balance)}</td>
                  <td className="num">{p.runway_months === null ? '—' : `${p.runway_months.toFixed(1)} mo`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <p className="muted small">
          * not over yet. CLTV = ARPC × gross margin {report.gross_margin} ÷ monthly customer churn averaged over the trailing 6 complete months.
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

function Waterfall({ p, currency }: { p: RevenuePeriod; currency: string }) {
  const steps: { name: string; delta: number; kind: 'total' | 'up' | 'down' }[] = [
    { name: 'Start', delta: p.mrr_start, kind: 'total' },
    { name: 'New', delta: p.new, kind: 'up' },
    { name: 'Reactivation', delta: p.reactivation, kind: 'up' },
    { name: 'Expansion', delta: p.expansion, kind: 'up' },
    { name: 'Contraction', delta: -p.contraction, kind: 'down' },
    { name: 'Churn', delta: -p.churn, kind: 'down' },
    { name: 'End', delta: p.mrr_end, kind: 'total' },
  ];
  let running = 0;
  const data = steps.map((s) => {
    if (s.kind === 'total') {
      running = s.delta;
      return { name: s.name, base: 0, value: s.delta, kind: s.kind, shown: s.delta };
    }
    const from = running;
    running += s.delta;
    return { name: s.name, base: Math.min(from, running), value: Math.abs(s.delta), kind: s.kind, shown: s.delta };
  });
  const fill = (kind: string) => (kind === 'total' ? COLOURS.primary : kind === 'up' ? COLOURS.good : COLOURS.bad);
  return (
    <div className="chart" style={{ height: 260 }} data-testid="waterfall">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} margin={{ top: 18, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid stroke={COLOURS.grid} vertical={false} />
          <XAxis dataKey="name" tick={AXIS_TICK} tickLine={false} interval={0} />
          <YAxis tick={AXIS_TICK} tickLine={false} axisLine={false} width={52} tickFormatter={(v: number) => compact(v)} />
          <Tooltip contentStyle={TOOLTIP_STYLE} formatter={(_v, _n, item) => [money((item.payload as { shown: number }).shown, currency), 'MRR']} />
          <Bar dataKey="base" stackId="w" fill="transparent" isAnimationActive={false} />
          <Bar dataKey="value" stackId="w" isAnimationActive={false} radius={[3, 3, 0, 0]}>
            {data.map((d) => (
              <Cell key={d.name} fill={fill(d.kind)} />
            ))}
            <LabelList dataKey="shown" position="top" formatter={(v: unknown) => (Number(v) === 0 ? '' : money(Number(v), currency))} style={{ fontSize: 11, fill: '#374151' }} />
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

function Movements({ report, currency }: { report: RevenueReport; currency: string }) {
  const data = report.periods.map((p) => ({
    period: report.period === 'week' ? p.period.replace(/^\d{4}-/, '') : p.period,
    new: p.new,
    reactivation: p.reactivation,
    expansion: p.expansion,
    contraction: -p.contraction,
    churn: -p.churn,
    mrr: p.mrr_end,
  }));
  return (
    <div className="chart" style={{ height: 260 }}>
      <ResponsiveContainer width="100%" height="100%">
        <ComposedChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }} stackOffset="sign">
          <CartesianGrid stroke={COLOURS.grid} vertical={false} />
          <XAxis dataKey="period" tick={AXIS_TICK} tickLine={false} />
          <YAxis yAxisId="flow" tick={AXIS_TICK} tickLine={false} axisLine={false} width={48} tickFormatter={(v: number) => compact(v)} />
          <YAxis yAxisId="mrr" orientation="right" tick={AXIS_TICK} tickLine={false} axisLine={false} width={48} tickFormatter={(v: number) => compact(v)} />
          <Tooltip contentStyle={TOOLTIP_STYLE} formatter={(v, name) => [money(Number(v), currency), String(name)]} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <ReferenceLine yAxisId="flow" y={0} stroke="#9ca3af" />
          <Bar yAxisId="flow" dataKey="new" name="New" stackId="m" fill={COLOURS.good} isAnimationActive={false} />
          <Bar yAxisId="flow" dataKey="reactivation" name="Reactivation" stackId="m" fill="#4ade80" isAnimationActive={false} />
          <Bar yAxisId="flow" dataKey="expansion" name="Expansion" stackId="m" fill="#0d9488" isAnimationActive={false} />
          <Bar yAxisId="flow" dataKey="contraction" name="Contraction" stackId="m" fill={COLOURS.warn} isAnimationActive={false} />
          <Bar yAxisId="flow" dataKey="churn" name="Churn" stackId="m" fill={COLOURS.bad} isAnimationActive={false} />
          <Line yAxisId="mrr" type="monotone" dataKey="mrr" name="MRR" stroke={COLOURS.primary} strokeWidth={2} dot={{ r: 2.5 }} isAnimationActive={false} />
        </ComposedChart>
      </ResponsiveContainer>
      <span className="sr-only">{data.map((d) => `${d.period}: MRR ${exact(d.mrr)}`).join('; ')}</span>
    </div>
  );
}
