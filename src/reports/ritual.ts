import { InputError, TruenorthError } from '../errors.js';

/** POSTs a JSON body (a Slack-compatible digest) to a webhook; the URL is never printed, only its origin. */
export async function postWebhook(url: string, body: unknown): Promise<void> {
  let origin: string;
  try {
    origin = new URL(url).origin;
  } catch {
    throw new InputError('webhook: not a URL');
  }
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
  } catch (e) {
    throw new TruenorthError('input', `webhook: could not reach ${origin} (${(e as Error).message})`);
  }
  if (!response.ok) throw new TruenorthError('input', `webhook: ${origin} answered ${response.status}`);
}
