import * as z from 'zod';

/**
 * Policy fields for compute instances beyond the idle-shutdown maximum: a required stop schedule and a minimum idle
 * shutdown. Shapes only; cross-field checks (minimum ≤ maximum, Azure's range) live in `instanceRuleIssues.ts`.
 */

/**
 * Azure's idle-shutdown range: 15 minutes to 3 days (MicrosoftDocs/azure-ai-docs
 * `articles/machine-learning/how-to-create-compute-instance.md`, "Configure idle shutdown",
 * https://learn.microsoft.com/azure/machine-learning/how-to-create-compute-instance#configure-idle-shutdown;
 * the preview specs' `IdleShutdownSetting.idleTimeBeforeShutdown` description says the same).
 */
export const AZURE_IDLE_SHUTDOWN_MIN_MS = 15 * 60_000;
export const AZURE_IDLE_SHUTDOWN_MAX_MS = 3 * 86_400_000;

/** The spec's `ComputeWeekDay` names (stable/2024-04-01/machineLearningServices.json). */
export const WEEK_DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;
export type WeekDay = (typeof WEEK_DAYS)[number];

const weekDay = z.enum(WEEK_DAYS, { error: `expected a day name: ${WEEK_DAYS.join(', ')}` });

export const requiredStopScheduleSchema = z
  .strictObject({
    days: z
      .array(weekDay, { error: 'expected a list of day names such as Monday' })
      .min(1, { error: 'expected at least one day' })
      .describe('Days on which every instance must be stopped by a schedule.'),
    time: z
      .string({ error: "expected a time such as '19:00'" })
      .regex(/^(?:[01]\d|2[0-3]):[0-5]\d$/, { error: "expected a 24-hour time HH:MM such as '19:00'" })
      .describe('Latest time of day (HH:MM, 24-hour) the stop may happen, in timeZone.'),
    timeZone: z
      .string({ error: "expected a Windows time zone name such as 'W. Europe Standard Time'" })
      .min(1, { error: "expected a Windows time zone name such as 'W. Europe Standard Time'" })
      .default('UTC')
      .describe(
        "Windows time zone name, as Azure's schedule trigger takes it (e.g. 'W. Europe Standard Time'); the schedule must use the same zone. Default UTC.",
      ),
  })
  .describe('A stop schedule every compute instance must have: enabled, stopping on each day at or before time, in timeZone.');

export type RequiredStopSchedule = z.output<typeof requiredStopScheduleSchema>;
