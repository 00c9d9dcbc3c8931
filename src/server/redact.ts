/**
 * Secrets never reach a log line. Every line the server's logger writes passes through `scrub`
 * (the logger's destination stream is wrapped, so no log call can bypass it). It masks:
 *
 * - token-shaped strings: keys (`tnw_…`, `tns_…`), the local admin token (`tnl_…`), session ids (`tnc_…`), Stripe secrets
 *   (`whsec_…`, `sk_live_…`, `rk_test_…`) and Stripe signatures (`v1=<64 hex>`);
 * - the configured secrets (the admin token, the Stripe webhook secret, the delivery secrets below), verbatim;
 * - each of those percent-encoded (any characters, even twice) or base64-encoded (Basic auth).
 *
 * A key's id (`tnw_` and 8 characters) is its public name and stays readable.
 */
const TOKEN_SHAPE = /tn[wscl]_[A-Za-z0-9_-]{9,}|whsec_[A-Za-z0-9_]{6,}|\b(?:sk|rk)_(?:live_|test_)?[A-Za-z0-9]{20,}|v[01]=[0-9a-fA-F]{64}/g;
/** Characters that can carry a secret in raw, percent-encoded or base64 form. */
const CARRIER = /[A-Za-z0-9+/=_.~%-]{12,}/g;
const MASK = '[redacted]';
/** Query-string names whose value is a credential whatever it looks like. */
const SECRET_PARAMS = new Set(['api_key', 'apikey', 'token', 'writekey', 'write_key', 'key', 'secret', 'password']);

function percentDecoded(text: string): string | undefined {
  if (!text.includes('%')) return undefined;
  let out = text;
  for (let i = 0; i < 3 && out.includes('%'); i++) {
    try {
      out = decodeURIComponent(out);
    } catch {
      out = out.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    }
  }
  return out;
}

/** The text a base64 run decodes to, tried at each of the four alignments. */
function base64Decodings(text: string): string[] {
  const run = text.replace(/[^A-Za-z0-9+/_-]/g, '');
  if (run.length < 16) return [];
  const out: string[] = [];
  for (let shift = 0; shift < 4; shift++) out.push(Buffer.from(run.slice(shift), 'base64').toString('latin1'));
  return out;
}

/** The secrets `serve` reads from the environment for its own deliveries (webhook URLs, the SMTP password). */
export const DELIVERY_SECRET_ENVS = ['TRUENORTH_ALERTS_WEBHOOK', 'TRUENORTH_DIGEST_WEBHOOK', 'TRUENORTH_SMTP_PASSWORD'] as const;

export function deliverySecrets(env: NodeJS.ProcessEnv = process.env): (string | undefined)[] {
  return DELIVERY_SECRET_ENVS.map((name) => env[name]);
}

export class Redactor {
  private readonly secrets: string[];

  /** `secrets`: the configured ones (admin token, Stripe webhook secret); empty values are ignored. */
  constructor(secrets: (string | undefined)[] = []) {
    const given = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 4);
    // As written, and as they appear inside a JSON log line.
    this.secrets = [...new Set(given.flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]))];
  }

  private reveals(text: string): boolean {
    TOKEN_SHAPE.lastIndex = 0;
    if (TOKEN_SHAPE.test(text)) return true;
    return this.secrets.some((s) => text.includes(s));
  }

  /** Whether `text`, decoded in any of the ways a secret can be carried, shows one. */
  private carriesSecret(text: string): boolean {
    const decoded = percentDecoded(text);
    for (const candidate of decoded === undefined ? [text] : [text, decoded]) {
      if (this.reveals(candidate)) return true;
      if (base64Decodings(candidate).some((d) => this.reveals(d))) return true;
    }
    return false;
  }

  /** Masks a run that carries a secret: only its path or key=value pieces that do, else all of it. */
  private maskRun(run: string): string {
    if (!this.carriesSecret(run)) return run;
    const pieces = run.split(/([/=])/);
    if (pieces.length > 1 && pieces.some((p) => p.length >= 12 && this.carriesSecret(p))) {
      return pieces.map((p) => (p.length >= 12 && this.carriesSecret(p) ? MASK : p)).join('');
    }
    return MASK;
  }

  /** A line fit for a log: every secret masked, whatever its encoding. */
  scrub(line: string): string {
    let out = line;
    for (const secret of this.secrets) out = out.split(secret).join(MASK);
    out = out.replace(TOKEN_SHAPE, MASK);
    return out.replace(CARRIER, (run) => this.maskRun(run));
  }

  /** A destination that scrubs every line before it reaches `target`. */
  stream(target: { write(line: string): unknown }): { write(line: string): unknown } {
    return { write: (line: string) => target.write(this.scrub(line)) };
  }
}

/** A URL fit for logs and error messages: credential parameters masked, whatever their encoding. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const query = url.slice(q + 1).split('&').map((pair) => {
    const eq = pair.indexOf('=');
    if (eq < 0) return pair;
    const name = percentDecoded(pair.slice(0, eq)) ?? pair.slice(0, eq);
    return SECRET_PARAMS.has(name.trim().toLowerCase()) ? `${pair.slice(0, eq)}=${MASK}` : pair;
  });
  return `${url.slice(0, q)}?${query.join('&')}`;
}
