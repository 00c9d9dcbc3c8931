/**
 * The schema of `truenorth.yaml` (docs/configuration.md), one file per section. Every message is
 * written for the person editing the file: it says what was expected and what was found; `load.ts`
 * adds the file, line and key path.
 */
import type { z } from 'zod';
import { checkAlertReferences } from './alerts.js';
import { checkHeartReferences, checkReferences } from './references.js';
import { configShape } from './shape.js';

export * from './alerts.js';
export * from './filters.js';
export * from './health.js';
export * from './journey.js';
export * from './messages.js';
export * from './risk.js';
export * from './ritual.js';
export * from './scalars.js';
export { guardrailIds } from './references.js';

export const configSchema = configShape.superRefine(checkReferences).superRefine(checkHeartReferences).superRefine(checkAlertReferences).transform((config) => ({
  ...config,
  // Retention defaults to the North Star action, with its filters.
  retention: config.retention?.event
    ? { event: config.retention.event, where: config.retention.where }
    : { event: config.north_star.event, where: config.retention?.where ?? config.north_star.where },
}));

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
