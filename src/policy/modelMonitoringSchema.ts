/**
 * `modelMonitoring`: which Azure ML model monitor's fired Azure Monitor alert starts which retraining target (a CD
 * target in `cd.targets`). Model monitoring succeeds data drift v1 (retired 2025-09-01), and alerts through Azure
 * Monitor rather than Event Grid: https://learn.microsoft.com/azure/machine-learning/concept-model-monitoring
 */
import * as z from 'zod';

const name = (what: string) => z.string({ error: `expected ${what}` }).trim().min(1, { error: `expected ${what}` });

const modelMonitoringRuleSchema = z.strictObject({
  monitors: z.array(name('a monitor name or glob'), { error: 'expected a list of monitor names or globs' }).min(1).describe('Monitor names (globs) this rule retrains for.'),
  workspaces: z.array(name('a workspace name or glob'), { error: 'expected a list of workspace names or globs' }).optional().describe('Only alerts on these workspaces. Absent: all.'),
  target: name('a target name').describe('A target named in cd.targets that starts retraining.'),
});

export const modelMonitoringSchema = z.strictObject({
  monitorDimension: name('a dimension name')
    .default('MonitorName')
    .describe('The metric dimension of a fired alert that names the model monitor (compared case-insensitively).'),
  rules: z.array(modelMonitoringRuleSchema, { error: 'expected a list of rules' }).default([]).describe('The first rule whose monitors and workspaces match picks the target.'),
});

export type ModelMonitoringRules = z.output<typeof modelMonitoringSchema>;
export type ModelMonitoringRule = z.output<typeof modelMonitoringRuleSchema>;
