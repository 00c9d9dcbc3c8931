import { createHmac, timingSafeEqual } from 'node:crypto';
import { TruenorthError } from '../errors.js';

/**
 * The signature of a Stripe webhook, checked as Stripe
 * documents it: header `Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`, with
 * the endpoint's signing secret, within a tolerance of 5 minutes.
 */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export function verifyStripeSignature(
  payload: Buffer, header: string | undefined, secret: string, now: number = Date.now(), tolerance = SIGNATURE_TOLERANCE_SECONDS,
): void {
  if (!header) throw new TruenorthError('invalid_signature', 'missing Stripe-Signature header');
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const [k, v] = part.split('=', 2).map((s) => s?.trim());
    if (k === 't' && v && /^\d{1,12}$/.test(v)) timestamp = Number(v);
    else if (k === 'v1' && v) signatures.push(v);
  }
  if (timestamp === undefined || signatures.length === 0) {
    throw new TruenorthError('invalid_signature', 'Stripe-Signature header has no timestamp or no v1 signature');
  }
  const expected = createHmac('sha256', secret).update(`${timestamp}.`, 'utf8').update(payload).digest();
  const match = signatures.some((hex) => {
    if (!/^[0-9a-f]{64}$/i.test(hex)) return false;
    return timingSafeEqual(Buffer.from(hex, 'hex'), expected);
  });
  if (!match) throw new TruenorthError('invalid_signature', 'Stripe signature does not match the endpoint secret');
  if (Math.abs(now / 1000 - timestamp) > tolerance) {
    throw new TruenorthError('invalid_signature', `Stripe signature timestamp is more than ${tolerance} s from now`);
  }
}
