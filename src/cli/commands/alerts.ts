/** `truenorth alerts`: the alerts firing now or at the end of a week (reports/alerts.ts). */
import type { Command } from 'commander';
import { READS } from '../../app/catalogue.js';
import type { AlertsReport } from '../../app/reads/alerts.js';
import type { Config } from '../../config/schema/index.js';
import { alertLine } from '../../reports/alerts-text.js';
import { readCommand } from '../operation-command.js';

export function registerAlerts(program: Command): void {
  readCommand(program, READS.alerts, {
    description: 'the alerts firing: rows off pace, anomalies, funnel step drops, weak retention cohorts, with owners',
    print: (report, _flags, config) => printAlerts(report, config),
  });
}

export function printAlerts(report: AlertsReport, config: Config): void {
  if (report.alerts.length === 0) {
    console.log(`No alerts as of ${report.day} (${report.week}).`);
    return;
  }
  console.log(`${report.alerts.length} alert${report.alerts.length === 1 ? '' : 's'} as of ${report.day} (${report.week}):`);
  for (const alert of report.alerts) console.log(`- ${alertLine(alert, config.alerts.owners)}`);
}
