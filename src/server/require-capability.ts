import { capabilityGap, type Capability } from '../engine/capabilities.js';
import type { StorePort } from '../engine/port.js';
import { TruenorthError } from '../errors.js';

/** 501 with the store's reason when it lacks `need`; `what` names the request, e.g. "the Stripe webhook". */
export function requireCapability(store: Pick<StorePort, 'capabilities'>, need: Capability, what: string): void {
  const gap = capabilityGap(store.capabilities, need);
  if (gap !== undefined) throw new TruenorthError('not_supported', `${what} is not supported here: ${gap}`);
}
