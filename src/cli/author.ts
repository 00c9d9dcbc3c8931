import { userInfo } from 'node:os';

/** Who is writing: `--by`, else $TRUENORTH_USER, else the login name of this machine. */
export function defaultAuthor(by?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (by !== undefined) return by;
  if (env.TRUENORTH_USER) return env.TRUENORTH_USER;
  try {
    return userInfo().username;
  } catch {
    return '';
  }
}
