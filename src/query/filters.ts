import type { Condition, FilterValue, Predicate } from '../model/metrics.js';
import type { Params, SqlDialect } from './dialect.js';

/** Yields the SQL text of a property by key (NULL when absent). */
export type PropertyAccessor = (key: string) => string;

/**
 * Compiles a predicate to a SQL boolean. Values are bound parameters; property names are bound
 * JSON paths. A missing property satisfies `ne`, `nin` and `exists: false` only (as PostHog does).
 */
export function predicateSql(predicate: Predicate, accessor: PropertyAccessor, params: Params, dialect: SqlDialect): string {
  if (predicate.length === 0) return 'TRUE';
  return predicate.map((c) => `(${conditionSql(c, accessor(c.property), params, dialect)})`).join(' AND ');
}

function conditionSql(c: Condition, text: string, params: Params, dialect: SqlDialect): string {
  const values = Array.isArray(c.value) ? c.value : [c.value];
  switch (c.op) {
    case 'eq':
      return equals(text, values[0], params, dialect);
    case 'ne':
      return `NOT coalesce(${equals(text, values[0], params, dialect)}, FALSE)`;
    case 'in':
      return values.map((v) => `(${equals(text, v, params, dialect)})`).join(' OR ') || 'FALSE';
    case 'nin':
      return `NOT coalesce(${values.map((v) => `(${equals(text, v, params, dialect)})`).join(' OR ') || 'FALSE'}, FALSE)`;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const op = { gt: '>', gte: '>=', lt: '<', lte: '<=' }[c.op];
      const v = values[0];
      if (typeof v === 'number') return `${dialect.toNumber(text)} ${op} ${params.bind(v, 'number')}`;
      return `${text} ${op} ${params.bind(String(v))}`;
    }
    case 'contains':
      return `${text} IS NOT NULL AND ${dialect.contains(text, params.bind(String(values[0])))}`;
    case 'exists':
      return values[0] === false ? `${text} IS NULL` : `${text} IS NOT NULL`;
  }
}

function equals(text: string, value: FilterValue, params: Params, dialect: SqlDialect): string {
  if (typeof value === 'number') return `${dialect.toNumber(text)} = ${params.bind(value, 'number')}`;
  return `${text} = ${params.bind(String(value))}`;
}
