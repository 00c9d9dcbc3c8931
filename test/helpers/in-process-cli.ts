import { main } from '../../src/cli/main.js';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI in this process, capturing what it prints, with `env` set for the run only (the
 * admin token and secret key are cleared unless given). A database held by a `serve` child meets
 * the lock exactly as a second terminal would.
 */
export async function runCli(argv: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const saved = { ...process.env };
  Object.assign(process.env, { TRUENORTH_ADMIN_TOKEN: '', TRUENORTH_SECRET_KEY: '', ...env });
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const log = console.log;
  process.stdout.write = ((chunk: string | Uint8Array) => { stdout += chunk.toString(); return true; }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => { stderr += chunk.toString(); return true; }) as typeof process.stderr.write;
  console.log = (...parts: unknown[]) => { stdout += parts.map(String).join(' ') + '\n'; };
  try {
    const code = await main(['node', 'truenorth', ...argv]);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    console.log = log;
    process.exitCode = undefined;
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}
