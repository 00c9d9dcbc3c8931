import type { Command } from 'commander';

/** `truenorth --help` lists the commands by task, in this order (a command missing here is listed under "Commands:"). */
export const TASK_GROUPS: readonly (readonly [heading: string, commands: readonly string[]])[] = [
  ['Getting started:', ['init', 'demo', 'lint', 'events', 'help']],
  ['The weekly ritual:', ['scorecard', 'pace', 'why', 'digest', 'alerts', 'okrs', 'record', 'note', 'ideas']],
  ['Reports:', ['north-star', 'funnel', 'retention', 'revenue', 'pql', 'surveys', 'heart', 'guardrails', 'benchmarks', 'leading', 'tree', 'risk', 'predictive', 'people']],
  ['Data in and out:', ['import', 'export', 'quality']],
  ['Keys and serving:', ['serve', 'keys']],
  ['Maintenance:', ['clickhouse', 'bench']],
];

/** Puts each of the program's commands in its task's group, the groups and commands in the table's order. */
export function groupCommandsByTask(program: Command): void {
  const place = new Map<string, [group: number, index: number]>();
  TASK_GROUPS.forEach(([, names], group) => names.forEach((name, index) => place.set(name, [group, index])));
  const rank = (cmd: Command) => place.get(cmd.name()) ?? [TASK_GROUPS.length, 0];
  for (const cmd of program.commands) {
    const [group] = rank(cmd);
    if (group < TASK_GROUPS.length) cmd.helpGroup(TASK_GROUPS[group][0]);
  }
  // Commander lists groups and commands in the order of `commands`.
  (program.commands as Command[]).sort((a, b) => rank(a)[0] - rank(b)[0] || rank(a)[1] - rank(b)[1]);
  // The help command takes the default group at its creation: the first one.
  program.commandsGroup(TASK_GROUPS[0][0]).helpCommand('help [command]', 'display help for command');
}
