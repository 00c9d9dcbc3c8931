import { useState, type FormEvent } from 'react';
import { sendJson, type ApiError } from '../api';

/** Shown when the server is bound beyond localhost and this browser has no session. */
export function Login({ onSignedIn }: { onSignedIn: () => void }) {
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await sendJson('POST', '/api/v1/session', { key: key.trim() });
      setKey('');
      onSignedIn();
    } catch (err) {
      setError((err as ApiError).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="center-page">
      <form className="login card" onSubmit={submit} data-testid="login">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">✦</span>
          <strong>truenorth</strong>
        </div>
        <h1>Sign in</h1>
        <p className="muted">
          This server is reachable beyond this machine, so its numbers need a secret key. Create one with <code>truenorth keys create --kind secret</code>, or use
          the admin token. Write keys only send events and cannot sign in.
        </p>
        <label htmlFor="login-key">
          Secret key
          <input id="login-key" type="password" autoComplete="current-password" value={key} onChange={(e) => setKey(e.target.value)} required autoFocus placeholder="tns_…" />
        </label>
        {error && (
          <p className="form-error" role="alert" data-testid="login-error">
            {error}
          </p>
        )}
        <button type="submit" className="btn primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="muted small">The browser keeps a session cookie; the key itself is not stored in the browser.</p>
      </form>
    </main>
  );
}
