import { useState, type FormEvent } from 'react';
import { invalidate, type ApiError } from '../api';

const NAME_KEY = 'truenorth.name';

/** Who is entering numbers and notes: remembered in this browser. */
export function useName(fallback = ''): [string, (v: string) => void] {
  const [name, setName] = useState(() => {
    try {
      return window.localStorage.getItem(NAME_KEY) ?? fallback;
    } catch {
      return fallback;
    }
  });
  const update = (v: string) => {
    setName(v);
    try {
      window.localStorage.setItem(NAME_KEY, v);
    } catch {
      // private mode: not remembered
    }
  };
  return [name, update];
}

export type FormResult = { ok: boolean; text: string } | null;

/**
 * A form that writes through the API: `submit(e, action)` runs the action with the form busy, shows
 * the text it returns (or the API's error) and, on success, makes every page reload what it shows.
 */
export function useFormAction(): { busy: boolean; result: FormResult; submit: (e: FormEvent, action: () => Promise<string>) => Promise<void> } {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<FormResult>(null);
  const submit = async (e: FormEvent, action: () => Promise<string>) => {
    e.preventDefault();
    setBusy(true);
    setResult(null);
    try {
      setResult({ ok: true, text: await action() });
      invalidate();
    } catch (err) {
      setResult({ ok: false, text: (err as ApiError).message });
    } finally {
      setBusy(false);
    }
  };
  return { busy, result, submit };
}

export function FormMessage({ result }: { result: FormResult }) {
  if (!result) return null;
  return (
    <p className={result.ok ? 'form-ok' : 'form-error'} role={result.ok ? 'status' : 'alert'} data-testid={result.ok ? 'form-ok' : 'form-error'}>
      {result.text}
    </p>
  );
}
