/** The weekly ritual on the demo company: its planted bottleneck is found, its owner leads the week. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { demoCompany, type DemoCompany } from './helpers/beyond.js';
import { computeScorecard } from '../src/app/reads/ritual.js';

let demo: DemoCompany;
beforeAll(async () => {
  demo = await demoCompany();
}, 300_000);
afterAll(() => demo?.cleanup());

describe('scorecard on the demo company', () => {
  it('names the planted bottleneck, its owner as CEO of the week, and praises owners on target', async () => {
    const config = loadConfig(demo.summary.files.config);
    const card = await computeScorecard(demo.ctx, config);
    expect(card.weeks).toHaveLength(13);
    expect(card.weeks[12]).toBe(demo.summary.period.last_week);
    expect(card.bottleneck).toMatchObject({ from_stage: 'signup', stage: 'setup', basis: 'target', owner: config.journey.setup!.owner });
    expect(card.bottleneck!.multiplier!).toBeGreaterThan(2);
    expect(card.ceo_of_the_week).toMatchObject({ owner: config.journey.setup!.owner, metric: 'journey.setup' });
    expect(card.praise.length).toBeGreaterThan(0);
    const setup = card.rows.find((r) => r.id === 'journey.setup')!;
    expect(setup.status[12]).toBe('off_track');
    // The planted rate, measured by the generator from its own files, is what the scorecard sees.
    const planted = demo.summary.planted.bottleneck.steps.find((s) => s.stage === 'setup')!;
    expect(card.journey_steps.find((s) => s.to === 'setup')!.target_rate).toBe(planted.target_rate);
  });
});
