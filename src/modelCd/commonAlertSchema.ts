/**
 * The Azure Monitor common alert schema, as an action group's webhook posts it with "Enable the common alert
 * schema" on: https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-common-schema
 * Only what retraining reads is checked; other fields (and other alert types' `alertContext`) pass through.
 */
import * as z from 'zod';

const text = (what: string) => z.string({ error: `expected ${what}` }).min(1, { error: `expected ${what}` });
const timestamp = z.iso.datetime({ offset: true, error: 'expected an ISO 8601 date-time' });

/** A metric dimension of a metric alert's condition (`alertContext.condition.allOf[].dimensions[]`). */
const dimensionSchema = z.object({ name: text('a dimension name'), value: z.string({ error: 'expected a dimension value' }) });

/** One criterion of a metric alert (`conditionType` `SingleResourceMultipleMetricCriteria` and the like). */
const metricCriterionSchema = z.object({
  metricName: text('a metric name'),
  metricNamespace: z.string().optional(),
  dimensions: z.array(dimensionSchema, { error: 'expected a list of dimensions' }).default([]),
  metricValue: z.number().nullable().optional(),
  threshold: z.union([z.number(), z.string()]).optional(),
});

const essentialsSchema = z.object({
  alertId: text('the alert id'),
  alertRule: text('the alert rule name'),
  signalType: text('a signal type'),
  monitorCondition: z.enum(['Fired', 'Resolved'], { error: 'expected Fired or Resolved' }),
  alertTargetIDs: z.array(text('a resource id'), { error: 'expected a list of resource ids' }).min(1, { error: 'expected at least one resource id' }),
  firedDateTime: timestamp,
  resolvedDateTime: timestamp.optional(),
  severity: z.string().optional(),
  description: z.string().optional(),
});

/** A metric alert's condition: its criteria and the evaluated window (absent for other signal types). */
const metricConditionSchema = z.object({
  allOf: z.array(metricCriterionSchema, { error: 'expected a list of criteria' }).min(1, { error: 'expected at least one criterion' }),
  windowStartTime: timestamp,
  windowEndTime: timestamp,
});

export const commonAlertSchema = z.object({
  schemaId: z.literal('azureMonitorCommonAlertSchema', { error: 'expected azureMonitorCommonAlertSchema (enable the common alert schema on the action group)' }),
  data: z.object({
    essentials: essentialsSchema,
    alertContext: z.object({ condition: metricConditionSchema.optional() }).loose().default({}),
  }),
});

export type CommonAlert = z.output<typeof commonAlertSchema>;
export type MetricCriterion = z.output<typeof metricCriterionSchema>;
