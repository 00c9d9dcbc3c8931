import cliProgress from 'cli-progress';

/** Prints rows as an aligned text table; numbers right-aligned. */
export function formatTable(headers: string[], rows: (string | number | null | undefined)[][]): string {
  const cells = rows.map((r) => r.map((v) => (v === null || v === undefined ? '—' : String(v))));
  const widths = headers.map((h, i) => Math.max(visibleLength(h), ...cells.map((r) => visibleLength(r[i] ?? ''))));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => r[i] === null || r[i] === undefined || typeof r[i] === 'number' || /^-?[\d.,]+\s?%?×?$/.test(String(r[i]))));
  const line = (r: string[]) => r.map((v, i) => (numeric[i] ? pad(v, widths[i], 'left') : pad(v, widths[i], 'right'))).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '─'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

function visibleLength(text: string): number {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '').length;
}

function pad(text: string, width: number, side: 'left' | 'right'): string {
  const fill = ' '.repeat(Math.max(0, width - visibleLength(text)));
  return side === 'left' ? fill + text : text + fill;
}

export function percent(rate: number | null | undefined, digits = 1): string | null {
  return rate === null || rate === undefined || !Number.isFinite(rate) ? null : `${(rate * 100).toFixed(digits)}%`;
}

export function integer(n: number | null | undefined): string | null {
  return n === null || n === undefined ? null : Math.round(n).toLocaleString('en-US');
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** A progress bar on stderr when it is a terminal; silent otherwise (CI, pipes). */
export function progressBar(label: string, unit: 'bytes' | 'rows' | 'objects' | 'subscriptions') {
  if (!process.stderr.isTTY) return { update: (_done: number, _total?: number) => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit === 'bytes' ? 'MB' : unit} | {eta_formatted} left`,
      stream: process.stderr,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  const scale = (n: number) => (unit === 'bytes' ? Math.round(n / 1e6) : n);
  return {
    update(done: number, total?: number) {
      if (!started) {
        bar.start(scale(total ?? done), 0);
        started = true;
      }
      if (total !== undefined) bar.setTotal(scale(total));
      bar.update(scale(done));
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
