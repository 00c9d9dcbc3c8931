import type { ReactNode } from 'react';
import type { Loaded } from '../api';
import { avatarColour, initials, STATUS_LABEL, STATUS_MARK } from '../format';
import type { Status } from '../types';

export function Card({ title, subtitle, actions, children, className = '', id }: {
  title?: ReactNode; subtitle?: ReactNode; actions?: ReactNode; children: ReactNode; className?: string; id?: string;
}) {
  return (
    <section className={`card ${className}`} aria-labelledby={title && id ? `${id}-title` : undefined} id={id}>
      {(title || actions) && (
        <header className="card-head">
          <div>
            {title && <h2 id={id ? `${id}-title` : undefined}>{title}</h2>}
            {subtitle && <p className="muted small">{subtitle}</p>}
          </div>
          {actions && <div className="card-actions">{actions}</div>}
        </header>
      )}
      {children}
    </section>
  );
}

export function Loading({ label = 'Loading' }: { label?: string }) {
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label}…
    </div>
  );
}

export function ErrorBox({ error, what, onRetry }: { error: Error & { status?: number }; what?: string; onRetry?: () => void }) {
  return (
    <div className="error-box" role="alert">
      <strong>{what ? `Could not load ${what}` : 'Something went wrong'}</strong>
      <span>
        {error.message}
        {error.status ? ` (HTTP ${error.status})` : ''}
      </span>
      {onRetry && (
        <button type="button" className="btn small" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <strong>{title}</strong>
      {children && <div className="muted">{children}</div>}
    </div>
  );
}

/** Renders a loaded report: a spinner, the error, or the content. */
export function Load<T>({ result, what, children }: { result: Loaded<T>; what: string; children: (data: T) => ReactNode }) {
  if (result.error) return <ErrorBox error={result.error} what={what} onRetry={result.reload} />;
  if (result.data === undefined) return <Loading label={`Loading ${what}`} />;
  return <>{children(result.data)}</>;
}

export function Avatar({ owner, size = 'md' }: { owner: string | null; size?: 'sm' | 'md' | 'lg' }) {
  if (!owner) return <span className={`avatar avatar-${size} avatar-none`} title="No owner" aria-label="No owner">?</span>;
  return (
    <span className={`avatar avatar-${size}`} style={{ background: avatarColour(owner) }} title={owner} aria-hidden="true">
      {initials(owner)}
    </span>
  );
}

export function Owner({ owner, size = 'sm' }: { owner: string | null; size?: 'sm' | 'md' | 'lg' }) {
  return (
    <span className="owner">
      <Avatar owner={owner} size={size} />
      <span className="owner-name">{owner ?? 'no owner'}</span>
    </span>
  );
}

export function StatusPill({ status }: { status: Status }) {
  return (
    <span className={`pill pill-${status}`}>
      {STATUS_MARK[status] && <span aria-hidden="true">{STATUS_MARK[status]} </span>}
      {STATUS_LABEL[status]}
    </span>
  );
}

export function Badge({ tone = 'neutral', children, title }: { tone?: 'neutral' | 'good' | 'bad' | 'warn' | 'info'; children: ReactNode; title?: string }) {
  return (
    <span className={`badge badge-${tone}`} title={title}>
      {children}
    </span>
  );
}

export function Kpi({ label, value, hint, tone, testId }: { label: string; value: ReactNode; hint?: ReactNode; tone?: 'good' | 'bad' | 'warn'; testId?: string }) {
  return (
    <div className={`kpi ${tone ? `kpi-${tone}` : ''}`} data-testid={testId}>
      <div className="kpi-label">{label}</div>
      <div className="kpi-value">{value}</div>
      {hint && <div className="kpi-hint">{hint}</div>}
    </div>
  );
}

export function Progress({ value, label, tone }: { value: number | null; label: string; tone?: 'good' | 'bad' | 'warn' }) {
  const shown = value === null ? 0 : Math.max(0, Math.min(1, value));
  return (
    <div className="progress" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(shown * 100)}>
      <div className={`progress-bar ${tone ? `progress-${tone}` : ''}`} style={{ width: `${shown * 100}%` }} />
    </div>
  );
}

/** A group of toggle buttons (one pressed), keyboard usable as ordinary buttons. */
export function Toggle<T extends string>({ label, value, options, onChange }: {
  label: string; value: T; options: { value: T; label: string }[]; onChange: (v: T) => void;
}) {
  return (
    <div className="toggle" role="group" aria-label={label}>
      {options.map((o) => (
        <button key={o.value} type="button" aria-pressed={o.value === value} className={o.value === value ? 'on' : ''} onClick={() => onChange(o.value)}>
          {o.label}
        </button>
      ))}
    </div>
  );
}

/** A small line of a series, with the last point marked and, when given, the target as a dashed line. */
export function Sparkline({ values, width = 84, height = 22, tone = 'neutral', label, targets = [] }: {
  values: (number | null)[]; width?: number; height?: number; tone?: 'good' | 'bad' | 'neutral'; label?: string; targets?: number[];
}) {
  const points = values.map((v, i) => ({ v, i })).filter((p): p is { v: number; i: number } => p.v !== null && Number.isFinite(p.v));
  if (points.length < 2) return <span className="muted small" aria-label={label ? `${label}: not enough data` : undefined}>—</span>;
  const min = Math.min(...points.map((p) => p.v), ...targets);
  const max = Math.max(...points.map((p) => p.v), ...targets);
  const span = max - min || 1;
  const x = (i: number) => 2 + (i / Math.max(1, values.length - 1)) * (width - 4);
  const y = (v: number) => height - 3 - ((v - min) / span) * (height - 6);
  const d = points.map((p, k) => `${k === 0 ? 'M' : 'L'}${x(p.i).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ');
  const last = points[points.length - 1];
  return (
    <svg className={`spark spark-${tone}`} width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label ?? 'trend'}>
      {targets.map((t) => (
        <line key={t} className="spark-target" x1={0} x2={width} y1={y(t)} y2={y(t)} strokeWidth="1" strokeDasharray="2 2" data-target={t} />
      ))}
      <path d={d} fill="none" strokeWidth="1.5" strokeLinejoin="round" strokeLinecap="round" />
      <circle cx={x(last.i)} cy={y(last.v)} r="2.2" />
    </svg>
  );
}
