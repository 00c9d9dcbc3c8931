/** A value bound to a statement's placeholder: queries never splice values into their text. */
export type SqlValue = string | number | boolean | null;
/** The bound values of one statement, by placeholder name. */
export type SqlParams = Record<string, SqlValue>;
