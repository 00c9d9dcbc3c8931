import { useState } from 'react';

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

export function FormMessage({ result }: { result: { ok: boolean; text: string } | null }) {
  if (!result) return null;
  return (
    <p className={result.ok ? 'form-ok' : 'form-error'} role={result.ok ? 'status' : 'alert'} data-testid={result.ok ? 'form-ok' : 'form-error'}>
      {result.text}
    </p>
  );
}
