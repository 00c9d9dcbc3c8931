import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { digestEmailSchema, SMTP_PASSWORD_ENV, type Config } from '../../config/schema/index.js';
import { InputError } from '../../errors.js';
import { listIdeas } from '../../engine/workspace.js';
import type { StorePort } from '../../engine/port.js';
import type { ServerInfo } from '../../server/server-file.js';
import { replayEngine, viaServer } from '../remote.js';
import { defaultAuthor } from '../author.js';
import { runWrite } from '../write-command.js';
import { dashboardWeekUrl, digestHtml, digestMarkdown, digestSlackBody, fmt, targetText, type Digest } from '../../reports/digest.js';
import { sendDigestMail } from '../../app/digest-mail.js';
import type { ScorecardReport } from '../../reports/scorecard-report.js';
import { paceOfRows, type PaceEntry, type PaceReport } from '../../reports/pace-of-rows.js';
import { formatProjection } from '../../reports/pace.js';
import { postWebhook } from '../../reports/ritual.js';
import { READS, WRITES } from '../../app/catalogue.js';
import { readCommand, type CommandFlags } from '../operation-command.js';
import { formatTrend, formatValue, type Status, type Unit } from '../../reports/scorecard.js';
import { onReader } from '../../engine/sql-engine.js';
import { readConfig, readConfigIfPresent, withPort, type GlobalOptions } from '../context.js';
import { formatTable, printJson } from '../output.js';


const COLOURS: Record<Status, string> = { on_track: '\u001b[32m', off_track: '\u001b[31m', no_target: '', no_data: '\u001b[2m' };

function cell(value: number | null, status: Status, unit: Unit, colour: boolean): string {
  const text = status === 'no_data' ? 'no data' : formatValue(value, unit);
  return colour && COLOURS[status] ? `${COLOURS[status]}${text}\u001b[0m` : text;
}

function printScorecard(report: ScorecardReport, _flags: CommandFlags, config: Config): void {
  const colour = process.stdout.isTTY === true && !process.env.NO_COLOR;
  const shown = report.weeks.slice(-6);
  const offset = report.weeks.length - shown.length;
  console.log(`${config.product} scorecard, week ${report.weeks[report.weeks.length - 1]} (${report.weeks.length} weeks; last ${shown.length} shown, --json has all)`);
  for (const w of report.warnings) console.log(`warning: ${w.path}: ${w.message}`);
  const rows = report.rows.map((r) => {
    const last = r.values.length - 1;
    const mark = { on_track: 'on track', off_track: 'OFF TRACK', no_target: r.baseline ? `no target (baseline ${formatValue(r.baseline.mean_last_4_weeks, r.unit)})` : 'no target', no_data: 'no data' }[r.status[last]];
    return [
      r.name, r.owner ?? '—', targetText(r.target, r.unit) ?? '—',
      ...shown.map((_, i) => cell(r.values[offset + i], r.status[offset + i], r.unit, colour)),
      `${formatTrend(r.trend, r.trend_unit, r.trend_unit === 'points' ? 1 : 0)}${r.months ? ' MoM' : ''}`, mark,
    ];
  });
  console.log(formatTable(['metric', 'owner', 'target', ...shown, 'wow', 'status'], rows));
  for (const r of report.rows) {
    const why = r.reasons?.[r.reasons.length - 1];
    if (why) console.log(`No data this week for ${r.name}: ${why}`);
  }
  console.log('');
  printPace({ ...report.pace, rows: paceOfRows(report) });
  console.log('');
  console.log(report.bottleneck ? `Bottleneck: ${report.bottleneck.sentence}` : (report.bottleneck_note ?? 'No bottleneck.'));
  if (report.bottleneck && report.bottleneck_note) console.log(report.bottleneck_note);
  if (report.bottleneck_ideal) console.log(`Among ideal users: ${report.bottleneck_ideal.sentence}`);
  console.log(report.ceo_of_the_week ? `CEO of the week: ${report.ceo_of_the_week.owner} — ${report.ceo_of_the_week.reason}` : (report.ceo_note ?? 'No CEO of the week.'));
  console.log(`Praise: ${report.praise.length ? report.praise.map((p) => `${p.owner} (${p.metric})`).join(', ') : 'no row hit its target this week.'}`);
  const gaps = report.accountability;
  if (gaps.rows_without_owner.length) console.log(`Accountability gap: no owner for ${gaps.rows_without_owner.join(', ')}`);
  for (const o of gaps.overloaded_owners) console.log(`Accountability gap: ${o.owner} owns ${o.rows.length} rows (${o.rows.join(', ')})`);
}

/** The unfinished week so far: one line per row with its value so far, the projected week's end and the verdict. */
function printPace(pace: PaceReport): void {
  console.log(`This week so far (${pace.week}, counted to ${pace.counted_to}):`);
  const verdict = (p: PaceEntry) => (p.on_pace === true ? 'on pace' : p.on_pace === false ? 'OFF PACE' : (p.reason ?? '—'));
  console.log(formatTable(['metric', 'owner', 'target', 'so far', 'projected', 'pace'], pace.rows.map((p) => [
    p.name, p.owner ?? '—', targetText(p.target, p.unit) ?? '—', p.so_far === null ? '—' : formatValue(p.so_far, p.unit),
    p.projected === null ? '—' : formatProjection(p.projected, p.unit), verdict(p),
  ])));
}

/** `--email`: through the configured SMTP server, to its recipients or to the ones given. */
async function emailDigest(digest: Digest, recipients: string | boolean, config: Config): Promise<void> {
  const email = config.digest?.email;
  if (!email) throw new InputError('--email: no mail server configured; add digest.email (host, from, to) to truenorth.yaml');
  let to = email.to;
  if (typeof recipients === 'string') {
    const given = digestEmailSchema.shape.to.safeParse(recipients.split(',').map((a) => a.trim()).filter(Boolean));
    if (!given.success) throw new InputError(`--email: expected comma-separated addresses like team@acme.io, got ${JSON.stringify(recipients)}`);
    to = given.data;
  }
  const took = await sendDigestMail(digest, { ...email, to }, { password: process.env[SMTP_PASSWORD_ENV], publicUrl: config.digest?.public_url });
  console.error(`sent the ${digest.week} digest to ${took}`);
}

export function registerRitual(program: Command): void {
  readCommand(program, READS.scorecard, {
    description: 'the weekly scorecard: owners, targets, red/green, bottleneck, CEO of the week, praise',
    print: printScorecard,
  });
  readCommand(program, READS.pace, {
    description: 'pace to target in the unfinished week: each row so far, its projected week\'s end, on or off pace',
    print: printPace,
  });
  registerOkrs(program);
  registerDigest(program);
  registerIdeas(program);
  registerNote(program);
}

function registerOkrs(program: Command): void {
  const okrs = program.command('okrs').description('objectives and key results: progress computed from data, weekly check-ins');
  readCommand(program, READS.okrs, {
    description: 'progress of every objective',
    isDefault: true,
    print(answer) {
      for (const o of answer.objectives) {
        console.log(`${o.objective} (due ${o.due}): ${o.progress === null ? 'no data' : `${(o.progress * 100).toFixed(0)} %`}`);
        console.log(formatTable(['key result', 'from', 'to', 'now', 'progress', 'status'], o.key_results.map((k) => [
          k.metric + (k.measure === 'rate' ? ' (rate)' : ''), fmt(k.from), fmt(k.to), fmt(k.current),
          k.progress === null ? null : `${(k.progress * 100).toFixed(0)}%`, k.status.replace('_', ' '),
        ])));
        for (const c of o.checkins.slice(-3)) console.log(`  ${c.week} ${c.author}: ${c.note}`);
        console.log('');
      }
    },
  }, okrs, 'list');
  okrs
    .command('checkin <objective> <note>')
    .description('record a weekly check-in note on an objective (its text or its 1-based number)')
    .option('--week <week>', 'the week (default: the last complete week)')
    .option('--kr <metric>', 'the key result it is about')
    .option('--confidence <fraction>', 'confidence of hitting it, 0–1')
    .option('--by <who>', 'author (default: $TRUENORTH_USER or the login name)')
    .action(async (objective: string, note: string, flags: { week?: string; kr?: string; confidence?: string; by?: string }) => {
      const config = readConfig(program.opts<GlobalOptions>());
      const request = { objective, key_result: flags.kr, week: flags.week, note, confidence: flags.confidence, author: defaultAuthor(flags.by) };
      const checkin = await runWrite(program, WRITES.checkins, request, config);
      console.log(`checked in on "${checkin.objective}"`);
    });
}

function registerDigest(program: Command): void {
  readCommand(program, READS.digest, {
    description: 'the weekly review as Markdown, HTML or JSON; to a file, a Slack-compatible webhook or by email',
    options: [
      ['--format <format>', 'md | html | json', 'md'],
      ['--out <file>', 'write to a file instead of stdout'],
      ['--webhook <url>', 'POST a Slack-compatible body to this URL'],
      ['--email [addresses]', `email it through digest.email's SMTP server, to digest.email.to or to these comma-separated addresses (password in ${SMTP_PASSWORD_ENV})`],
    ],
    check(flags) {
      if (!['md', 'html', 'json'].includes(String(flags.format))) throw new InputError(`--format: expected md, html or json, got ${JSON.stringify(flags.format)}`);
    },
    async print(digest, flags, config) {
      const publicUrl = config.digest?.public_url;
      const link = publicUrl ? dashboardWeekUrl(publicUrl, digest.week) : undefined;
      const body = flags.format === 'json' ? JSON.stringify(digest, null, 2) + '\n' : flags.format === 'html' ? digestHtml(digest, link) : digestMarkdown(digest, link);
      if (typeof flags.webhook === 'string') {
        await postWebhook(flags.webhook, digestSlackBody(digest, link));
        console.error(`sent the ${digest.week} digest to the webhook`);
      }
      if (flags.email !== undefined) await emailDigest(digest, flags.email, config);
      if (typeof flags.out === 'string') {
        writeFileSync(flags.out, body);
        console.error(`wrote ${flags.out}`);
      } else if (!flags.webhook && flags.email === undefined) {
        process.stdout.write(body);
      }
    },
  }, program, 'digest', false);
}

function registerIdeas(program: Command): void {
  const ideas = program.command('ideas').description('the team ideas board: ideas to move the North Star, each with an owner and a status');
  /** Runs `work` on the store, or through the server that holds its file (the reads replayed). */
  const onFile = <T>(work: (store: StorePort) => Promise<T>, remote: (server: ServerInfo) => Promise<T>, config = readConfigIfPresent(program.opts<GlobalOptions>())) =>
    withPort(program.opts<GlobalOptions>(), config, work).catch((e) => viaServer(e, program.opts<GlobalOptions>(), config, remote));
  ideas
    .command('list', { isDefault: true })
    .option('--json', 'machine output')
    .action(async (flags: { json?: boolean }) => {
      const all = await onFile((store) => onReader(store, listIdeas), async (server) => listIdeas(await replayEngine(server, program, {}, Date.now())));
      if (flags.json) return printJson({ ideas: all });
      if (all.length === 0) return console.log('no ideas yet: `truenorth ideas add --team product --owner you@acme.io "…"`');
      console.log(formatTable(['id', 'team', 'idea', 'owner', 'status'], all.map((i) => [i.id, i.team, i.idea, i.owner, i.status.replace('_', ' ')])));
    });
  ideas
    .command('add <idea>')
    .requiredOption('--team <team>', 'product, marketing, sales, support, engineering, …')
    .requiredOption('--owner <who>', 'who owns it')
    .option('--metric <id>', 'the scorecard row it should move')
    .action(async (idea: string, flags: { team: string; owner: string; metric?: string }) => {
      const request = { team: flags.team, idea, owner: flags.owner, metric: flags.metric };
      const added = await runWrite(program, WRITES.addIdea, request, readConfigIfPresent(program.opts<GlobalOptions>()));
      console.log(`added idea ${added.id}`);
    });
  ideas
    .command('status <id> <status>')
    .description('proposed | in-progress | done | dropped')
    .action(async (id: string, status: string) => {
      await runWrite(program, WRITES.ideaStatus, { id, status }, readConfigIfPresent(program.opts<GlobalOptions>()));
      console.log(`idea ${id} is ${status}`);
    });
}

function registerNote(program: Command): void {
  program
    .command('note <row> <note>')
    .description('a review note on a scorecard row for a week (shown in the digest)')
    .option('--week <week>', 'the week (default: the last complete week)')
    .option('--by <who>', 'author (default: $TRUENORTH_USER or the login name)')
    .action(async (row: string, note: string, flags: { week?: string; by?: string }) => {
      const config = readConfig(program.opts<GlobalOptions>());
      await runWrite(program, WRITES.notes, { row, week: flags.week, note, author: defaultAuthor(flags.by) }, config);
      console.log(`noted on ${row}`);
    });
}
