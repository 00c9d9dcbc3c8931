/**
 * How the schema speaks to the person editing `truenorth.yaml`: every message says what was expected
 * and what was found; `load.ts` adds the file, line and key path.
 */
import { z } from 'zod';
import { didYouMean } from '../../model/suggest.js';


/** A short, YAML-flavoured rendering of a config value for error messages. */
export function show(value: unknown): string {
  const text = render(value);
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

function render(value: unknown): string {
  if (value === undefined || value === null) return 'an empty value';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(render).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    return entries.length ? `{ ${entries.map(([k, v]) => `${k}: ${render(v)}`).join(', ')} }` : '{}';
  }
  return String(value);
}

/** `a, b or c` */
export function oneOf(values: readonly unknown[]): string {
  const words = values.map(String);
  return words.length > 1 ? `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}` : words.join('');
}

/**
 * Messages for zod's generic issues, passed to every parse of the config. Schemas below override
 * them where a more specific message helps.
 */
export const configErrorMap: z.core.$ZodErrorMap = (iss) => {
  const got = show(iss.input);
  switch (iss.code) {
    case 'invalid_type':
      if (iss.input === undefined) return 'is required';
      return `expected ${TYPE_WORDS[iss.expected] ?? iss.expected}, got ${got}`;
    case 'too_small':
      if (iss.origin === 'string') return 'must not be empty';
      if (iss.origin === 'array') return `expected at least ${iss.minimum} item${iss.minimum === 1 ? '' : 's'}`;
      return `expected a number ${iss.inclusive ? '≥' : '>'} ${iss.minimum}, got ${got}`;
    case 'too_big':
      if (iss.origin === 'string') return `must be at most ${iss.maximum} characters`;
      if (iss.origin === 'array') return `expected at most ${iss.maximum} items`;
      return `expected a number ${iss.inclusive ? '≤' : '<'} ${iss.maximum}, got ${got}`;
    case 'invalid_value':
      return `expected ${oneOf(iss.values)}, got ${got}`;
    case 'invalid_key':
      return iss.issues[0]?.message ?? `invalid key ${got}`;
    case 'invalid_union':
      return `unexpected value ${got}`;
    default:
      return undefined;
  }
};

const TYPE_WORDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping (key: value)',
  array: 'a list',
  tuple: 'a list',
};

/** A strict mapping: unknown keys are errors (that is how typos are caught), with a suggestion. */
export function strictMap<T extends z.core.$ZodLooseShape>(
  shape: T,
  expected: string,
  unknownKey: (key: string) => string = (key) => `unknown key "${key}"${didYouMean(key, Object.keys(shape))}`,
) {
  return z.strictObject(shape, {
    error: (iss) => {
      if (iss.code === 'unrecognized_keys') return unknownKey(iss.keys[0]);
      if (iss.code === 'invalid_type' && iss.input !== undefined) return `expected ${expected}, got ${show(iss.input)}`;
      return undefined;
    },
  });
}
