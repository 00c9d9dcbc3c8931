/** A value bound to a statement's placeholder: queries never splice values into their text. */
export type SqlValue = string | number | boolean | null;
/** The bound values of one statement, by placeholder name. */
export type SqlParams = Record<string, SqlValue>;

/** An event's identity as it was sent (`events` aliased `e`): its user id, else its anonymous id. */
export const EVENT_IDENTITY = 'coalesce(e.user_id, e.anonymous_id)';
/** Joins an event (`e`) to its identity's link (`l`), if any. */
export const LINK_OF_EVENT = `LEFT JOIN identity_links l ON l.anonymous_id = ${EVENT_IDENTITY}`;
/** An event's actor (`e` joined by LINK_OF_EVENT): the user its identity is linked to, else the identity itself. */
export const LINKED_ACTOR = 'coalesce(l.user_id, e.user_id, e.anonymous_id)';
