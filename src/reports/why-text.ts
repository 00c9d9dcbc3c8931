/** The one sentence that says why a row moved: "Setups fell 12 %: ideal signups fell 20 %; the setup rate held at 31 %". */
import type { ConversionWhy, WhyCut, WhyReport } from './why-types.js';
import { formatValue, type Unit } from './scorecard.js';
import type { RateSplit } from './why-split.js';

const pct = (r: number) => `${(r * 100).toFixed(0)} %`;
const signed = (v: number, unit: Unit = 'count') => `${v > 0 ? '+' : v < 0 ? '−' : ''}${formatValue(Math.abs(v), unit)}`;
/** Changes smaller than this (a fraction) read as "held". */
const HELD = 0.005;

/** "fell 12 %", "rose from 0 to 5", "held at 31 %", or in points for a rate. */
export function moved(before: number, after: number, unit: Unit = 'count'): string {
  if (unit === 'rate') {
    if (Math.abs(after - before) < HELD) return `held at ${formatValue(after, 'rate')}`;
    return `${after < before ? 'fell' : 'rose'} from ${formatValue(before, 'rate')} to ${formatValue(after, 'rate')}`;
  }
  if (before === 0) return after === 0 ? 'held at 0' : `rose from 0 to ${formatValue(after, unit)}`;
  const relative = (after - before) / Math.abs(before);
  if (Math.abs(relative) < HELD) return `held at ${formatValue(after, unit)}`;
  return `${relative < 0 ? 'fell' : 'rose'} ${pct(Math.abs(relative))}`;
}

const stageLabel = (stage: string) => (stage === 'kui' ? 'KUI' : stage.replace('_', ' '));
/** A row name inside a sentence: "Signups" → "signups", "Key usage (KUI)" → "key usage (KUI)". */
const inSentence = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);

/** The base's segment that moved most in the first cut, as "ideal signups fell 20 %". */
function volumeClause(c: ConversionWhy): string {
  const base = inSentence(c.from_name);
  const total = `${base} ${moved(c.base_before, c.base_after)}`;
  const split = c.cuts.find((cut) => cut.split)?.split;
  const direction = Math.sign(c.base_after - c.base_before);
  if (!split || split.segments.length < 2 || total.includes(' held at ')) return total;
  const counts = split.segments.map((s) => ({ segment: s.segment, before: Math.round(s.weight_before * c.base_before), after: Math.round(s.weight_after * c.base_after) }))
    .filter((s) => Math.sign(s.after - s.before) === direction);
  if (counts.length === 0) return total;
  const top = counts.reduce((a, b) => (Math.abs(b.after - b.before) > Math.abs(a.after - a.before) ? b : a));
  return `${top.segment} ${base} ${moved(top.before, top.after)}`;
}

/** Whether mix or rate moved the rate more, and in which segment. */
function mixOrRate(split: RateSplit, base: string): string {
  if (split.segments.length < 2) return '';
  if (Math.abs(split.mix) > Math.abs(split.rate)) {
    const top = split.segments.reduce((a, b) => (Math.abs(b.mix) > Math.abs(a.mix) ? b : a));
    return `, mostly mix: ${top.segment} went from ${pct(top.weight_before)} to ${pct(top.weight_after)} of ${base}`;
  }
  const top = split.segments.reduce((a, b) => (Math.abs(b.rate) > Math.abs(a.rate) ? b : a));
  return `, mostly rate: ${top.segment} converted ${formatValue(top.rate_before, 'rate')} then ${formatValue(top.rate_after, 'rate')}`;
}

function conversionClause(stage: string, c: ConversionWhy): string {
  const held = Math.abs(c.rate_after - c.rate_before) < HELD;
  const split = c.cuts.find((cut) => cut.split)?.split;
  const how = held || !split ? '' : mixOrRate(split, inSentence(c.from_name));
  return `the ${stageLabel(stage)} rate ${moved(c.rate_before, c.rate_after, 'rate')}${how}`;
}

/** The segment of any cut that carried most of a count's change, as "not ideal −30 of −40". */
function countClause(cuts: WhyCut[], change: number, unit: Unit): string | null {
  let best: { label: string; segment: string; change: number } | null = null;
  for (const cut of cuts) {
    for (const part of cut.parts ?? []) {
      if (Math.sign(part.change) !== Math.sign(change) || (best && Math.abs(part.change) <= Math.abs(best.change))) continue;
      best = { label: cut.label, segment: part.segment, change: part.change };
    }
  }
  if (!best) return null;
  return `${best.segment} (${best.label}) ${signed(best.change, unit)} of ${signed(change, unit)}`;
}

export function whySentence(r: WhyReport): string {
  if (r.no_data) return `${r.name}: ${r.no_data}.`;
  const lead = `${r.name} ${moved(r.before!, r.after!, r.unit)}`;
  if (r.change === 0) return `${lead}.`;
  const clauses: string[] = [];
  if (r.formula && 'factors' in r.formula) {
    const top = [...r.formula.factors].sort((a, b) => Math.abs(b.share) - Math.abs(a.share)).slice(0, 2);
    clauses.push(top.map((f) => `${f.name} ${moved(f.before, f.after)} (${signed(f.share, r.unit)})`).join(', '));
  } else if (r.conversion) {
    const stage = r.row.slice('journey.'.length);
    const [volume, conversion] = [volumeClause(r.conversion), conversionClause(stage, r.conversion)];
    clauses.push(...(Math.abs(r.conversion.volume) >= Math.abs(r.conversion.conversion) ? [volume, conversion] : [conversion, volume]));
  } else if (r.cuts.some((c) => c.rate)) {
    const split = r.cuts.find((c) => c.rate)!.rate!;
    clauses.push(`${Math.abs(split.mix) > Math.abs(split.rate) ? 'mostly mix' : 'mostly rate'}${mixOrRate(split, 'actors').replace(/^, mostly (mix|rate)/, '')}`);
  } else {
    const clause = countClause(r.cuts, r.change!, r.unit);
    if (clause) clauses.push(clause);
  }
  if (r.inputs.length) {
    const measured = r.inputs.filter((i) => i.before !== null && i.after !== null && i.before !== 0);
    // An input that measurably moves with the North Star first, then the largest relative move.
    const top = measured.sort((a, b) => Number(b.moves_with_target) - Number(a.moves_with_target) || Math.abs(b.change! / b.before!) - Math.abs(a.change! / a.before!))[0];
    if (top) clauses.push(`its input ${top.name} ${moved(top.before!, top.after!)}`);
  }
  return clauses.length ? `${lead}: ${clauses.join('; ')}.` : `${lead}.`;
}
