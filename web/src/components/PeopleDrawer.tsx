/**
 * The people behind a number: any count on the dashboard can be a `PeopleCount`, a button that opens
 * this drawer with the list the count counts (`GET /api/v1/people`), a page at a time, with traits,
 * last activity and the whole list as CSV. A modal <dialog>: focus moves into it, Escape closes it.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { createPortal } from 'react-dom';
import { getJson, reportUrl, useApi } from '../api';
import { csvFileName, downloadCsv, toCsv, type CsvValue } from '../csv';
import { useView } from '../context';
import { dateTime, exact } from '../format';
import type { PeopleList } from '../types';
import { Empty, Load } from './ui';

/** The `people` read's parameters: `of` and that kind's keys, as the API names them. */
export type PeopleQuery = { of: string } & Record<string, string | number | null | undefined>;

const PAGE = 50;
/** The API's largest page: the CSV gathers the whole list in pages of this size. */
const CSV_PAGE = 1000;
/** Trait columns shown on screen (the CSV has them all). */
const SHOWN_TRAITS = 3;

/** A count that opens the people behind it. */
export function PeopleCount({ query, title, children, className = '' }: { query: PeopleQuery; title: string; children: ReactNode; className?: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className={`people-link ${className}`} onClick={() => setOpen(true)} aria-haspopup="dialog" title={`Who: ${title}`} data-people={query.of}>
        {children}
      </button>
      {/* On the body, so the styles of the table cell the count sits in never reach the list. */}
      {open && createPortal(<PeopleDrawer query={query} title={title} onClose={() => setOpen(false)} />, document.body)}
    </>
  );
}

export function PeopleDrawer({ query, title, onClose }: { query: PeopleQuery; title: string; onClose: () => void }) {
  const { asOf } = useView();
  const ref = useRef<HTMLDialogElement>(null);
  const [offset, setOffset] = useState(0);
  const params = { as_of: asOf, ...query };
  const list = useApi<PeopleList>(reportUrl('people', { ...params, limit: PAGE, offset }));
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);
  return (
    <dialog ref={ref} className="people-drawer" aria-labelledby="people-title" data-testid="people-drawer" onClose={onClose}
      onClick={(e) => e.target === ref.current && ref.current.close()}>
      <header className="people-head">
        <div>
          <h2 id="people-title">{title}</h2>
          {list.data && (
            <p className="muted small" data-testid="people-total" data-total={list.data.total}>
              {exact(list.data.total)} {list.data.subject === 'accounts' ? 'accounts' : 'people'}
            </p>
          )}
        </div>
        <button type="button" className="btn small" onClick={() => ref.current?.close()} aria-label="Close">Close</button>
      </header>
      <Load result={list} what="the people">
        {(l) => (l.total === 0 ? <Empty title={`No ${l.subject} behind this number`} /> : <PeoplePage list={l} params={params} title={title} onPage={setOffset} />)}
      </Load>
    </dialog>
  );
}

function PeoplePage({ list, params, title, onPage }: { list: PeopleList; params: Record<string, string | number | null | undefined>; title: string; onPage: (offset: number) => void }) {
  const { week } = useView();
  const [saving, setSaving] = useState(false);
  const details = [...new Set(list.rows.flatMap((r) => Object.keys(r.detail)))];
  const traits = [...new Set(list.rows.flatMap((r) => Object.keys(r.traits)))].sort().slice(0, SHOWN_TRAITS);
  const last = Math.min(list.offset + list.rows.length, list.total);
  const exportAll = async () => {
    setSaving(true);
    try {
      const rows: PeopleList['rows'] = [];
      for (let offset = 0; offset < list.total; offset += CSV_PAGE) {
        rows.push(...(await getJson<PeopleList>(reportUrl('people', { ...params, limit: CSV_PAGE, offset }))).rows);
      }
      const table = peopleCsv({ ...list, rows });
      downloadCsv(csvFileName('people', week, title), toCsv(table.header, table.rows));
    } finally {
      setSaving(false);
    }
  };
  return (
    <>
      <div className="table-tools">
        <button type="button" className="btn small export-csv" data-export="people" onClick={exportAll} disabled={saving}>
          {saving ? 'Exporting…' : `Export CSV (${exact(list.total)})`}
        </button>
      </div>
      <div className="table-scroll" tabIndex={0} role="region" aria-label={`${title}: list`}>
        <table className="data compact" data-testid="people-table">
          <thead>
            <tr>
              <th scope="col">{list.subject === 'accounts' ? 'Account' : 'Person'}</th>
              {list.subject === 'people' && <th scope="col">Account</th>}
              <th scope="col">Last seen</th>
              {details.map((d) => <th scope="col" key={d}>{d.replace(/_/g, ' ')}</th>)}
              {traits.map((t) => <th scope="col" key={t}>{t}</th>)}
            </tr>
          </thead>
          <tbody>
            {list.rows.map((r) => (
              <tr key={r.id}>
                <th scope="row"><code>{r.id}</code></th>
                {list.subject === 'people' && <td><code>{r.account ?? '—'}</code></td>}
                <td>{r.last_seen ? dateTime(r.last_seen) : '—'}</td>
                {details.map((d) => <td key={d}>{text(r.detail[d])}</td>)}
                {traits.map((t) => <td key={t}>{text(r.traits[t])}</td>)}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav className="people-pages" aria-label="Pages">
        <button type="button" className="btn small" disabled={list.offset === 0} onClick={() => onPage(Math.max(0, list.offset - PAGE))}>Previous</button>
        <span className="muted small">{exact(list.offset + 1)}–{exact(last)} of {exact(list.total)}</span>
        <button type="button" className="btn small" disabled={last >= list.total} onClick={() => onPage(list.offset + PAGE)}>Next</button>
      </nav>
    </>
  );
}

function text(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value)) return dateTime(value);
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** The list as the CLI's --csv writes it: id, account, last activity, the details, then `trait.<key>` for every trait. */
export function peopleCsv(list: PeopleList): { header: string[]; rows: CsvValue[][] } {
  const details = [...new Set(list.rows.flatMap((r) => Object.keys(r.detail)))];
  const traits = [...new Set(list.rows.flatMap((r) => Object.keys(r.traits)))].sort();
  const cell = (v: unknown): CsvValue => (v === undefined || v === null ? null : typeof v === 'object' ? JSON.stringify(v) : (v as CsvValue));
  const people = list.subject === 'people';
  return {
    header: [people ? 'person' : 'account', ...(people ? ['account'] : []), 'last_seen', ...details, ...traits.map((t) => `trait.${t}`)],
    rows: list.rows.map((r) => [r.id, ...(people ? [r.account] : []), r.last_seen, ...details.map((d) => cell(r.detail[d])), ...traits.map((t) => cell(r.traits[t]))]),
  };
}
