/** A small product: three stages (setup at the second message), a weekly North Star of messages, ideal users by role. */
export const SMALL_JOURNEY_YAML = `
product: P
ideal_user: { role: { in: [eng] } }
journey:
  visit: { event: V }
  signup: { event: S, owner: maya }
  setup: { event: M, at_least: 2 }
north_star: { name: Messages, event: M, measure: count, frequency: week }
`;
