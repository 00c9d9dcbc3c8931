import type { ReactNode } from 'react';
import { useView } from '../context';
import { csvFileName, downloadCsv, toCsv, type CsvValue } from '../csv';
import { useLocation } from '../router';

/** The CSV of a table: a header record and the rows' values, unformatted. */
export interface CsvTable {
  header: string[];
  rows: CsvValue[][];
}

/** `scorecard` for `/`, else the path's first segment: the first part of an exported file's name. */
export function pageSlug(path: string): string {
  return path.split('/').filter(Boolean)[0] ?? 'scorecard';
}

/**
 * The "Export CSV" action of a table: downloads `<page>-<week>-<name>.csv`. `table` is called on
 * click, so the rows are those on screen at that moment.
 */
export function ExportCsv({ name, table, label = 'Export CSV' }: { name: string; table: () => CsvTable; label?: string }) {
  const { week } = useView();
  const { path } = useLocation();
  const save = () => {
    const { header, rows } = table();
    downloadCsv(csvFileName(pageSlug(path), week, name), toCsv(header, rows));
  };
  return (
    <button type="button" className="btn small export-csv" data-export={name} onClick={save}>
      {label}
    </button>
  );
}

export interface Column<R> {
  /** The column's heading on screen. */
  header: ReactNode;
  /** Its heading in the CSV file (defaults to `header` when that is text). */
  csvHeader?: string;
  /** The value in the CSV file: unformatted (a number stays a number, a rate a fraction). */
  value: (row: R) => CsvValue;
  /** What the cell shows (defaults to the value). */
  render?: (row: R) => ReactNode;
  /** The cell's class (`num` right-aligns). */
  className?: string;
  /** The row's heading cell (`<th scope="row">`). */
  rowHeader?: boolean;
}

/**
 * A data table with an "Export CSV" action: one definition of the columns gives both what the
 * page shows and the file's values. Scrolls sideways inside its box on a narrow screen.
 */
export function Table<R>({ name, columns, rows, rowKey, className = 'data compact', label, rowClass, testId }: {
  name: string; columns: Column<R>[]; rows: R[]; rowKey: (row: R, index: number) => string; className?: string; label?: string;
  rowClass?: (row: R) => string | undefined; testId?: string;
}) {
  const csv = (): CsvTable => ({
    header: columns.map((c, i) => c.csvHeader ?? (typeof c.header === 'string' ? c.header : `column ${i + 1}`)),
    rows: rows.map((r) => columns.map((c) => c.value(r))),
  });
  return (
    <div className="table-block" data-table={name}>
      <div className="table-tools">
        <ExportCsv name={name} table={csv} />
      </div>
      <div className="table-scroll">
        <table className={className} aria-label={label} data-testid={testId}>
          <thead>
            <tr>
              {columns.map((c, i) => (
                <th key={i} scope="col" className={c.className}>{c.header}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r, k) => (
              <tr key={rowKey(r, k)} className={rowClass?.(r)}>
                {columns.map((c, i) => {
                  const shown = c.render ? c.render(r) : c.value(r);
                  return c.rowHeader
                    ? <th key={i} scope="row" className={c.className}>{shown}</th>
                    : <td key={i} className={c.className}>{shown}</td>;
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
