import type { Idea, ReviewNote } from '../engine/workspace.js';
import type { ObjectiveProgress } from './okrs.js';
import type { ScorecardReport } from './scorecard-report.js';
import { formatProjection } from './pace.js';
import { formatTrend, formatValue, type Bottleneck, type CeoOfTheWeek, type ScorecardRow, type Status, type TrendUnit, type Unit } from './scorecard.js';

/** The weekly review (docs/ritual.md), as one object rendered to Markdown, HTML and a Slack body. */
export interface Digest {
  product: string;
  week: string;
  rows: { id: string; name: string; owner: string | null; unit: Unit; value: number | null; target: string | null; status: Status; trend: number | null; trend_unit: TrendUnit; trend_over: TrendOver; reason: string | null }[];
  bottleneck: Bottleneck | null;
  bottleneck_ideal: Bottleneck | null;
  /** Why no bottleneck is named, or the steps it was not judged on (see the scorecard). */
  bottleneck_note: string | null;
  ceo_of_the_week: CeoOfTheWeek | null;
  ceo_note: string | null;
  praise: { owner: string; metric: string }[];
  /** `why`: the one sentence that says why the row moved from the week before, when it could be worked out. */
  off_track: { id: string; name: string; owner: string | null; unit: Unit; value: number | null; target: string | null; why?: string }[];
  changed_most: { id: string; name: string; trend: number; trend_unit: TrendUnit; trend_over: TrendOver }[];
  /** The unfinished week so far: the rows whose projection misses their target (docs/ritual.md#pace). */
  pace: { week: string; counted_to: string; off_pace: OffPace[] };
  okrs: ObjectiveProgress[];
  review_notes: ReviewNote[];
  ideas: Idea[];
  /** The scorecard's warnings: event names in truenorth.yaml the store does not hold. */
  warnings: ScorecardReport['warnings'];
}

export interface OffPace { id: string; name: string; owner: string | null; unit: Unit; so_far: number | null; projected: number | null; target: string | null }

/** "Files shared: 7 so far, heading for 14 against ≥ 25 — li@x". */
export function offPaceText(r: OffPace): string {
  return `${r.name}: ${formatValue(r.so_far, r.unit)} so far, heading for ${formatProjection(r.projected, r.unit)} against ${r.target ?? 'no target'} — ${r.owner ?? 'no owner'}`;
}

const offPaceTitle = (d: Digest) => `Off pace in ${d.pace.week} (counted to ${d.pace.counted_to})`;

/** What a row's trend compares: the week before, or for a row read monthly the month before. */
export type TrendOver = 'week over week' | 'month over month';

export function targetText(target: ScorecardRow['target'], unit: Unit = 'count'): string | null {
  if (!target) return null;
  if ('gte' in target) return `≥ ${formatValue(target.gte, unit)}`;
  if ('lte' in target) return `≤ ${formatValue(target.lte, unit)}`;
  return `${formatValue(target.between[0], unit)}–${formatValue(target.between[1], unit)}`;
}

/** A number without a known unit: fractions below 1 read as percentages. */
export function fmt(v: number | null): string {
  if (v === null) return '—';
  return formatValue(v, Math.abs(v) < 1 && v !== 0 ? 'rate' : 'count');
}

export function buildDigest(product: string, scorecard: ScorecardReport, okrs: ObjectiveProgress[], notes: ReviewNote[], ideas: Idea[]): Digest {
  const last = scorecard.weeks.length - 1;
  const rows = scorecard.rows.map((r) => ({
    id: r.id, name: r.name, owner: r.owner, unit: r.unit, value: r.values[last], target: targetText(r.target, r.unit), status: r.status[last], trend: r.trend, trend_unit: r.trend_unit,
    trend_over: (r.months ? 'month over month' : 'week over week') as TrendOver,
    reason: r.reasons?.[last] ?? null,
  }));
  return {
    product,
    week: scorecard.weeks[last],
    rows,
    bottleneck: scorecard.bottleneck,
    bottleneck_ideal: scorecard.bottleneck_ideal,
    bottleneck_note: scorecard.bottleneck_note,
    ceo_of_the_week: scorecard.ceo_of_the_week,
    ceo_note: scorecard.ceo_note,
    praise: scorecard.praise,
    off_track: rows.filter((r) => r.status === 'off_track').map(({ id, name, owner, unit, value, target }) => ({ id, name, owner, unit, value, target })),
    changed_most: rows
      .filter((r) => r.trend !== null)
      .sort((a, b) => Math.abs(b.trend!) - Math.abs(a.trend!) || a.id.localeCompare(b.id))
      .slice(0, 3)
      .map((r) => ({ id: r.id, name: r.name, trend: r.trend!, trend_unit: r.trend_unit, trend_over: r.trend_over })),
    pace: {
      week: scorecard.pace.week, counted_to: scorecard.pace.counted_to,
      off_pace: scorecard.rows.filter((r) => r.pace?.on_pace === false).map((r) => ({
        id: r.id, name: r.name, owner: r.owner, unit: r.unit, so_far: r.pace!.so_far, projected: r.pace!.projected, target: targetText(r.target, r.unit),
      })),
    },
    okrs,
    review_notes: notes,
    ideas: ideas.filter((i) => i.status === 'proposed' || i.status === 'in_progress'),
    warnings: scorecard.warnings,
  };
}

const STATUS_MARK: Record<Status, string> = { on_track: '🟢', off_track: '🔴', no_target: '⚪', no_data: '·' };
const pct = (v: number | null) => (v === null ? 'no data' : `${(v * 100).toFixed(0)} %`);
/** A row's change with what it compares: "+1.2 pp", or "+1.2 pp MoM" for a row read monthly. */
const trendCell = (r: Digest['rows'][number]) => `${formatTrend(r.trend, r.trend_unit)}${r.trend_over === 'month over month' ? ' MoM' : ''}`;
/** A cell's value as read: "no data" for a cell without data, never a zero or a dash. */
const cell = (r: Digest['rows'][number]) => (r.status === 'no_data' ? 'no data' : formatValue(r.value, r.unit));
const krText = (kr: ObjectiveProgress['key_results'][number]) =>
  kr.status === 'no_data' ? `no progress${kr.reason ? ` (${kr.reason})` : ''}` : `${pct(kr.progress)}, ${kr.status.replace('_', ' ')}`;

/** The dashboard's scorecard at `week`, under the address readers reach the dashboard at. */
export function dashboardWeekUrl(publicUrl: string, week: string): string {
  const url = new URL(publicUrl.endsWith('/') ? publicUrl : `${publicUrl}/`);
  url.searchParams.set('week', week);
  return url.toString();
}

const OPEN_WEEK = 'Open this week on the dashboard';

/** `link`: the dashboard's week (dashboardWeekUrl), shown under the title when given. */
export function digestMarkdown(d: Digest, link?: string): string {
  const lines: string[] = [`# ${d.product}: weekly review ${d.week}`, ''];
  if (link) lines.push(`${OPEN_WEEK}: ${link}`, '');
  if (d.bottleneck) lines.push(`**Bottleneck:** ${d.bottleneck.sentence}`);
  if (d.bottleneck_note) lines.push(d.bottleneck_note);
  if (d.bottleneck_ideal) lines.push(`**Among ideal users:** ${d.bottleneck_ideal.sentence}`);
  if (d.ceo_of_the_week) lines.push(`**CEO of the week:** ${d.ceo_of_the_week.owner} (${d.ceo_of_the_week.metric})`);
  if (d.ceo_note) lines.push(d.ceo_note);
  if (d.praise.length) lines.push(`**Praise:** ${d.praise.map((p) => `${p.owner} (${p.metric})`).join(', ')}`);
  lines.push('', '| | metric | owner | value | target | change |', '|---|---|---|---:|---:|---:|');
  for (const r of d.rows) lines.push(`| ${STATUS_MARK[r.status]} | ${r.name} | ${r.owner ?? '—'} | ${cell(r)} | ${r.target ?? '—'} | ${trendCell(r)} |`);
  if (d.off_track.length) {
    lines.push('', '## Off track');
    for (const r of d.off_track) lines.push(`- ${r.name}: ${formatValue(r.value, r.unit)} against ${r.target} — ${r.owner ?? 'no owner'}${r.why ? `. ${r.why}` : ''}`);
  }
  if (d.pace.off_pace.length) {
    lines.push('', `## ${offPaceTitle(d)}`);
    for (const r of d.pace.off_pace) lines.push(`- ${offPaceText(r)}`);
  }
  const noData = d.rows.filter((r) => r.status === 'no_data');
  if (noData.length) {
    lines.push('', '## No data this week');
    for (const r of noData) lines.push(`- ${r.name}: ${r.reason ?? 'no value'}`);
  }
  if (d.changed_most.length) {
    lines.push('', '## What changed most');
    for (const c of d.changed_most) lines.push(`- ${c.name}: ${formatTrend(c.trend, c.trend_unit)} ${c.trend_over}`);
  }
  if (d.okrs.length) {
    lines.push('', '## OKRs');
    for (const o of d.okrs) {
      lines.push(`- **${o.objective}** (due ${o.due}): ${pct(o.progress)}`);
      for (const kr of o.key_results) lines.push(`  - ${kr.metric}: ${kr.current === null ? 'no data' : fmt(kr.current)} (from ${fmt(kr.from)} to ${fmt(kr.to)}) — ${krText(kr)}`);
    }
  }
  if (d.review_notes.length) {
    lines.push('', '## Review notes');
    for (const n of d.review_notes) lines.push(`- ${n.row_id}: ${n.note} — ${n.author}`);
  }
  if (d.ideas.length) {
    lines.push('', '## Ideas to move the North Star');
    for (const i of d.ideas) lines.push(`- [${i.team}] ${i.idea} — ${i.owner} (${i.status.replace('_', ' ')})`);
  }
  return lines.join('\n') + '\n';
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function digestHtml(d: Digest, link?: string): string {
  const e = escapeHtml;
  const colour: Record<Status, string> = { on_track: '#1a7f37', off_track: '#cf222e', no_target: '#6e7781', no_data: '#6e7781' };
  const rows = d.rows.map((r) => `<tr><td style="color:${colour[r.status]}">${r.status.replace('_', ' ')}</td><td>${e(r.name)}</td><td>${e(r.owner ?? '—')}</td><td align="right"${r.reason ? ` title="${e(r.reason)}"` : ''}>${e(cell(r))}</td><td align="right">${e(r.target ?? '—')}</td><td align="right">${e(trendCell(r))}</td></tr>`).join('\n');
  const para = (label: string, text: string | undefined) => (text ? `<p><strong>${label}:</strong> ${e(text)}</p>` : '');
  const list = (title: string, items: string[]) => (items.length ? `<h2>${title}</h2><ul>${items.map((i) => `<li>${i}</li>`).join('')}</ul>` : '');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${e(d.product)} weekly review ${e(d.week)}</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 760px">
<h1>${e(d.product)}: weekly review ${e(d.week)}</h1>
${link ? `<p><a href="${e(link)}">${OPEN_WEEK}</a></p>` : ''}
${para('Bottleneck', d.bottleneck?.sentence)}
${d.bottleneck_note ? `<p>${e(d.bottleneck_note)}</p>` : ''}
${para('Among ideal users', d.bottleneck_ideal?.sentence)}
${para('CEO of the week', d.ceo_of_the_week ? `${d.ceo_of_the_week.owner} (${d.ceo_of_the_week.metric})` : undefined)}
${d.ceo_note ? `<p>${e(d.ceo_note)}</p>` : ''}
${para('Praise', d.praise.map((p) => `${p.owner} (${p.metric})`).join(', ') || undefined)}
<table cellpadding="4" style="border-collapse: collapse">
<tr><th>status</th><th>metric</th><th>owner</th><th>value</th><th>target</th><th>change</th></tr>
${rows}
</table>
${list('Off track', d.off_track.map((r) => `${e(r.name)}: ${e(formatValue(r.value, r.unit))} against ${e(r.target ?? '—')} — ${e(r.owner ?? 'no owner')}${r.why ? `. ${e(r.why)}` : ''}`))}
${list(e(offPaceTitle(d)), d.pace.off_pace.map((r) => e(offPaceText(r))))}
${list('What changed most', d.changed_most.map((c) => `${e(c.name)}: ${e(formatTrend(c.trend, c.trend_unit))} ${c.trend_over}`))}
${list('OKRs', d.okrs.map((o) => `${e(o.objective)} (due ${e(o.due)}): ${e(pct(o.progress))}`))}
${list('Review notes', d.review_notes.map((n) => `${e(n.row_id)}: ${e(n.note)} — ${e(n.author)}`))}
${list('Ideas to move the North Star', d.ideas.map((i) => `[${e(i.team)}] ${e(i.idea)} — ${e(i.owner)}`))}
</body></html>
`;
}

/** A Slack-compatible incoming-webhook body: `text` for notifications, `blocks` for the message. */
export function digestSlackBody(d: Digest, link?: string): { text: string; blocks: unknown[] } {
  const headline = d.bottleneck ? d.bottleneck.sentence : (d.bottleneck_note ?? `${d.off_track.length} metrics off track.`);
  const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: `${d.product}: weekly review ${d.week}` } },
    section(d.bottleneck ? `*Bottleneck:* ${headline}` : headline),
  ];
  if (d.ceo_of_the_week) blocks.push(section(`*CEO of the week:* ${d.ceo_of_the_week.owner} (${d.ceo_of_the_week.metric})`));
  else if (d.ceo_note) blocks.push(section(d.ceo_note));
  if (d.praise.length) blocks.push(section(`*Praise:* ${d.praise.map((p) => `${p.owner} (${p.metric})`).join(', ')}`));
  blocks.push(section(d.rows.map((r) => `${STATUS_MARK[r.status]} ${r.name}: ${cell(r)}${r.reason ? ` (${r.reason})` : ''}${r.target ? ` (target ${r.target})` : ''}${r.owner ? ` — ${r.owner}` : ''}`).join('\n')));
  const whys = d.off_track.filter((r) => r.why).map((r) => `• ${r.why}`);
  if (whys.length) blocks.push(section(`*Why it moved:*\n${whys.join('\n')}`));
  if (d.pace.off_pace.length) blocks.push(section(`*${offPaceTitle(d)}:*\n${d.pace.off_pace.map(offPaceText).join('\n')}`));
  if (d.okrs.length) blocks.push(section(d.okrs.map((o) => `*${o.objective}*: ${pct(o.progress)}`).join('\n')));
  if (link) blocks.push(section(`<${link}|${OPEN_WEEK}>`));
  return { text: `${d.product} ${d.week}: ${headline}`, blocks };
}
