/**
 * Runs once before any test file: the dashboard's bundle, which several files serve, is built here
 * so that files running at once never build it into the same directory together.
 */
import { ensureWebBuilt } from '../scripts/demo-server.js';

export default async function setup(): Promise<void> {
  await ensureWebBuilt();
}
