/**
 * Formula metrics: a metric given as an expression over other metrics' ids
 * (`active_accounts * messages_per_account`). The grammar is small on purpose: numbers, metric ids,
 * `+ - * /`, unary minus and parentheses; nothing is evaluated but arithmetic.
 */

export type Formula =
  | { kind: 'number'; value: number }
  | { kind: 'metric'; id: string }
  | { kind: 'negate'; operand: Formula }
  | { kind: 'binary'; op: '+' | '-' | '*' | '/'; left: Formula; right: Formula };

/** A metric whose value is a formula over other metrics (config `formula:`). */
export interface FormulaMetric {
  id: string;
  name: string;
  formula: Formula;
}

/** The most factors a formula may name: its split evaluates it 2^n times. */
export const MAX_FORMULA_FACTORS = 8;

/** A formula that does not parse: the message says what was expected and where (1-based column). */
export class FormulaSyntaxError extends Error {}

type Token = { kind: 'number'; value: number; at: number } | { kind: 'id'; id: string; at: number } | { kind: 'op'; op: string; at: number };

const TOKEN = /(\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|([-+*/()])|(\S)/g;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  for (const m of text.matchAll(TOKEN)) {
    const at = m.index + 1;
    if (m[1] !== undefined) tokens.push({ kind: 'number', value: Number(m[1]), at });
    else if (m[2] !== undefined) tokens.push({ kind: 'id', id: m[2], at });
    else if (m[3] !== undefined) tokens.push({ kind: 'op', op: m[3], at });
    else throw new FormulaSyntaxError(`unexpected "${m[4]}" at column ${at}; a formula uses metric ids, numbers, + - * / and parentheses`);
  }
  return tokens;
}

/** Parses a formula; throws FormulaSyntaxError with the column of the first problem. */
export function parseFormula(text: string): Formula {
  const tokens = tokenize(text);
  let i = 0;
  const peek = () => tokens[i];
  const where = () => (peek() ? `at column ${peek()!.at}` : 'at the end');
  const isOp = (op: string) => peek()?.kind === 'op' && (peek() as { op: string }).op === op;
  const expression = (): Formula => {
    let left = term();
    while (isOp('+') || isOp('-')) {
      const op = (tokens[i++] as { op: '+' | '-' }).op;
      left = { kind: 'binary', op, left, right: term() };
    }
    return left;
  };
  const term = (): Formula => {
    let left = factor();
    while (isOp('*') || isOp('/')) {
      const op = (tokens[i++] as { op: '*' | '/' }).op;
      left = { kind: 'binary', op, left, right: factor() };
    }
    return left;
  };
  const factor = (): Formula => {
    const token = peek();
    if (!token) throw new FormulaSyntaxError('the formula ends too early: expected a metric id, a number or "("');
    i++;
    if (token.kind === 'number') return { kind: 'number', value: token.value };
    if (token.kind === 'id') return { kind: 'metric', id: token.id };
    if (token.op === '-') return { kind: 'negate', operand: factor() };
    if (token.op === '(') {
      const inner = expression();
      if (!isOp(')')) throw new FormulaSyntaxError(`expected ")" ${where()}`);
      i++;
      return inner;
    }
    throw new FormulaSyntaxError(`expected a metric id, a number or "(" at column ${token.at}, got "${token.op}"`);
  };
  if (tokens.length === 0) throw new FormulaSyntaxError('the formula is empty');
  const formula = expression();
  if (i < tokens.length) throw new FormulaSyntaxError(`expected an operator ${where()}`);
  return formula;
}

/** The metric ids a formula names, each once, in order of first appearance. */
export function formulaFactors(formula: Formula): string[] {
  const ids: string[] = [];
  const visit = (f: Formula) => {
    if (f.kind === 'metric') {
      if (!ids.includes(f.id)) ids.push(f.id);
    } else if (f.kind === 'negate') visit(f.operand);
    else if (f.kind === 'binary') {
      visit(f.left);
      visit(f.right);
    }
  };
  visit(formula);
  return ids;
}

/** The formula's value; null when an input is missing or a division has no finite answer. */
export function evaluateFormula(formula: Formula, values: Readonly<Record<string, number | null | undefined>>): number | null {
  const value = (f: Formula): number | null => {
    switch (f.kind) {
      case 'number':
        return f.value;
      case 'metric': {
        const v = values[f.id];
        return v === null || v === undefined || !Number.isFinite(v) ? null : v;
      }
      case 'negate': {
        const v = value(f.operand);
        return v === null ? null : -v;
      }
      case 'binary': {
        const [a, b] = [value(f.left), value(f.right)];
        if (a === null || b === null) return null;
        const out = f.op === '+' ? a + b : f.op === '-' ? a - b : f.op === '*' ? a * b : a / b;
        return Number.isFinite(out) ? out : null;
      }
    }
  };
  return value(formula);
}

/** The formula written back in its canonical form (fully parenthesised where needed). */
export function formatFormula(formula: Formula): string {
  const rank = (f: Formula) => (f.kind === 'binary' ? (f.op === '+' || f.op === '-' ? 1 : 2) : 3);
  const show = (f: Formula): string => {
    switch (f.kind) {
      case 'number':
        return String(f.value);
      case 'metric':
        return f.id;
      case 'negate':
        return `-${rank(f.operand) < 3 ? `(${show(f.operand)})` : show(f.operand)}`;
      case 'binary': {
        const left = rank(f.left) < rank(f) ? `(${show(f.left)})` : show(f.left);
        // The right operand of - and / needs parentheses at equal rank too: a - (b - c).
        const tight = f.op === '-' || f.op === '/' ? rank(f.right) <= rank(f) : rank(f.right) < rank(f);
        const right = tight ? `(${show(f.right)})` : show(f.right);
        return `${left} ${f.op} ${right}`;
      }
    }
  };
  return show(formula);
}
