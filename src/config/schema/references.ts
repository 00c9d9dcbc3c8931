/** Checks across sections: ids, `drives:`, key results, scorecard rows, HEART ids, guardrails. */
import type { z } from 'zod';
import { HEALTH_METRICS } from '../../model/health-metrics.js';
import { STAGES } from '../../model/metrics.js';
import { didYouMean } from '../../model/suggest.js';
import { show } from './messages.js';
import type { RawConfig } from './shape.js';
import { HEART_CATEGORIES, HEART_TASK_FIELDS } from '../../model/health.js';
import { formulaFactors, parseFormula } from '../../model/formula.js';

/** The row ids a key result or `drives:` can point at, besides metric ids. */
function outcomeIds(config: RawConfig): string[] {
  const healthNames = new Set<string>([...HEALTH_METRICS, ...Object.keys(config.health)]);
  return [...healthNames].map((name) => `health.${name}`);
}

/** References between sections: ids, `drives:`, key results, scorecard rows. */
export function checkReferences(config: RawConfig, ctx: z.core.$RefinementCtx) {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const metricIds = config.metrics.map((m) => m.id);
  const outcomes = outcomeIds(config);

  config.metrics.forEach((metric, i) => {
    if (metric.id === 'north_star') issue(['metrics', i, 'id'], '"north_star" is reserved for the North Star; pick another id');
    const first = metricIds.indexOf(metric.id);
    if (first !== i) issue(['metrics', i, 'id'], `duplicate metric id "${metric.id}" (also metrics[${first}])`);
    const drives = metric.drives;
    if (drives === undefined) return;
    if (drives === metric.id) issue(['metrics', i, 'drives'], 'a metric cannot drive itself');
    else if (drives !== 'north_star' && !metricIds.includes(drives) && !outcomes.includes(drives)) {
      issue(
        ['metrics', i, 'drives'],
        `expected north_star, another metric's id or health.<name>, got ${show(drives)}${didYouMean(drives, ['north_star', ...metricIds, ...outcomes])}`,
      );
    }
  });

  checkFormulas(config, issue);
  const cycle = findDrivesCycle(config.metrics);
  if (cycle) issue(['metrics', metricIds.indexOf(cycle[0]), 'drives'], `drives goes round in a circle: ${cycle.join(' → ')}`);

  config.north_star.drives?.forEach((outcome, i) => {
    if (!outcomes.includes(outcome)) {
      issue(['north_star', 'drives', i], `expected a business outcome like health.mrr, got ${show(outcome)}${didYouMean(outcome, outcomes)}`);
    }
  });

  const stages = STAGES.filter((stage) => config.journey[stage] !== undefined).map((stage) => `journey.${stage}`);
  const rowIds = ['north_star', ...stages, ...outcomes, ...metricIds];
  config.okrs.forEach((okr, i) =>
    okr.key_results.forEach((kr, j) => {
      if (!rowIds.includes(kr.metric)) {
        issue(
          ['okrs', i, 'key_results', j, 'metric'],
          `expected north_star, journey.<stage>, health.<name> or a metric id, got ${show(kr.metric)}${didYouMean(kr.metric, rowIds)}`,
        );
      }
    }),
  );

  config.scorecard.rows?.forEach((row, i) => {
    if (!metricIds.includes(row)) {
      const why = rowIds.includes(row) ? '; the North Star, journey stages and health entries are always rows' : didYouMean(row, metricIds);
      issue(['scorecard', 'rows', i], `expected the id of one of metrics, got ${show(row)}${why}`);
    } else if (config.scorecard.rows!.indexOf(row) !== i) {
      issue(['scorecard', 'rows', i], `"${row}" is listed twice`);
    }
  });
}

/** Every id a guardrail can name: a weekly series the guardrails report can compute. */
export function guardrailIds(config: Pick<RawConfig, 'journey' | 'metrics' | 'health' | 'surveys' | 'heart'>): string[] {
  const ids = ['north_star', ...config.metrics.map((m) => m.id)];
  for (const stage of STAGES) if (config.journey[stage]) ids.push(`journey.${stage}`);
  for (const name of new Set<string>([...HEALTH_METRICS, ...Object.keys(config.health)])) ids.push(`health.${name}`);
  for (const survey of ['pmf', 'nps', 'csat'] as const) if (config.surveys[survey]) ids.push(`surveys.${survey}`);
  for (const category of HEART_CATEGORIES) {
    for (const metric of config.heart?.[category]?.metrics ?? []) {
      if (metric.task) ids.push(...HEART_TASK_FIELDS.map((field) => `heart.${metric.id}.${field}`));
      else ids.push(`heart.${metric.id}`);
    }
  }
  return ids;
}

/** HEART ids are unique, survey metrics need their survey, guardrails name known series. */
export function checkHeartReferences(config: RawConfig, ctx: z.core.$RefinementCtx) {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const seen = new Map<string, string>();
  for (const category of HEART_CATEGORIES) {
    config.heart?.[category]?.metrics.forEach((metric, i) => {
      const path = ['heart', category, 'metrics', i];
      const other = seen.get(metric.id);
      if (other) issue([...path, 'id'], `duplicate HEART metric id "${metric.id}" (also ${other})`);
      seen.set(metric.id, `heart.${category}.metrics[${i}]`);
      if (metric.survey && !config.surveys[metric.survey]) {
        issue([...path, 'survey'], `surveys.${metric.survey} is not configured; add it under surveys:`);
      }
    });
  }
  const ids = guardrailIds(config);
  config.guardrails.forEach((pair, i) => {
    for (const key of ['metric', 'guardrail'] as const) {
      const id = pair[key];
      // A task metric named without its field means its completion rate.
      if (ids.includes(id) || ids.includes(`${id}.completion_rate`)) continue;
      issue(
        ['guardrails', i, key],
        `expected north_star, a metric id, journey.<stage>, health.<name>, surveys.<survey> or heart.<id>, got ${show(id)}${didYouMean(id, ids)}`,
      );
    }
    if (pair.metric === pair.guardrail) issue(['guardrails', i, 'guardrail'], 'a metric cannot be its own guardrail');
  });
}

/** Every id a `formula:` names is a metric measured on its own (computed or hand-entered), never a formula. */
function checkFormulas(config: RawConfig, issue: (path: (string | number)[], message: string) => void) {
  const metricIds = config.metrics.map((m) => m.id);
  const formulaIds = config.metrics.filter((m) => m.formula !== undefined).map((m) => m.id);
  const measured = metricIds.filter((id) => !formulaIds.includes(id));
  const check = (formula: string | undefined, path: (string | number)[], self?: string) => {
    if (formula === undefined) return;
    let factors: string[];
    try {
      factors = formulaFactors(parseFormula(formula));
    } catch {
      return; // the section's schema reported it
    }
    for (const id of factors) {
      if (id === self) issue(path, 'a formula cannot use its own metric');
      else if (formulaIds.includes(id)) issue(path, `"${id}" is itself a formula; name the metrics it is made of instead`);
      else if (!metricIds.includes(id)) issue(path, `unknown metric "${id}" in the formula${didYouMean(id, measured)}`);
    }
  };
  config.metrics.forEach((metric, i) => check(metric.formula, ['metrics', i, 'formula'], metric.id));
  check(config.north_star.formula, ['north_star', 'formula']);
}

function findDrivesCycle(metrics: readonly { id: string; drives?: string }[]): string[] | undefined {
  const parent = new Map(metrics.filter((m) => m.drives !== m.id).map((m) => [m.id, m.drives]));
  for (const start of metrics) {
    const chain = [start.id];
    let next = parent.get(start.id);
    while (next !== undefined && parent.has(next)) {
      if (next === start.id) return [...chain, next];
      if (chain.includes(next)) break; // a cycle that does not pass through start: found from its own start
      chain.push(next);
      next = parent.get(next);
    }
  }
  return undefined;
}
