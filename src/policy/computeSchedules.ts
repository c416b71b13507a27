import * as z from 'zod';

/**
 * A compute instance's start/stop schedules as ARM returns them in `properties.properties.schedules.computeStartStop`
 * (azure-rest-api-specs `Microsoft.MachineLearningServices/stable/2024-04-01/machineLearningServices.json`:
 * `ComputeSchedules`, `ComputeStartStopSchedule`, `Recurrence`, `ComputeRecurrenceSchedule`, `Cron`; example
 * `stable/2022-10-01/examples/Compute/createOrUpdate/ComputeInstanceWithSchedules.json`). Only what policy reads;
 * a schedule whose parts are missing is kept with those parts undefined, and judged not to satisfy a rule.
 */

export interface RecurrenceTrigger {
  /** `ComputeRecurrenceFrequency`: Minute | Hour | Day | Week | Month. */
  readonly frequency: string | undefined;
  readonly interval: number | undefined;
  /** Windows time zone name; the spec's default is `UTC`. */
  readonly timeZone: string;
  readonly hours: readonly number[];
  readonly minutes: readonly number[];
  /** `ComputeWeekDay` names, when the schedule lists them. */
  readonly weekDays: readonly string[] | undefined;
}

export interface CronTrigger {
  /** NCronTab expression (five fields). */
  readonly expression: string | undefined;
  readonly timeZone: string;
}

export interface ComputeStartStopSchedule {
  /** `ComputePowerAction`: Start | Stop. */
  readonly action: string | undefined;
  /** `ScheduleStatus`: Enabled | Disabled. */
  readonly status: string | undefined;
  /** `ComputeTriggerType`: Recurrence | Cron. */
  readonly triggerType: string | undefined;
  readonly recurrence: RecurrenceTrigger | undefined;
  readonly cron: CronTrigger | undefined;
}

const optionalString = z.string().nullish();
const numberList = z.array(z.number()).nullish();
// `TriggerBase.timeZone` and `Recurrence.timeZone` default to UTC in the spec.
const timeZone = z
  .string()
  .nullish()
  .transform((zone) => zone ?? 'UTC');

const recurrenceSchema = z.object({
  frequency: optionalString,
  interval: z.number().nullish(),
  timeZone,
  schedule: z.object({ hours: numberList, minutes: numberList, weekDays: z.array(z.string()).nullish() }).nullish(),
});

const cronSchema = z.object({ expression: optionalString, timeZone });

const scheduleSchema = z.object({
  action: optionalString,
  status: optionalString,
  triggerType: optionalString,
  recurrence: recurrenceSchema.nullish(),
  cron: cronSchema.nullish(),
});

/** The `schedules` object of a compute instance's type properties. */
export const computeSchedulesSchema = z
  .object({ computeStartStop: z.array(scheduleSchema).nullish() })
  .nullish()
  .transform((schedules): ComputeStartStopSchedule[] | undefined =>
    schedules === null || schedules === undefined ? undefined : (schedules.computeStartStop ?? []).map(toSchedule),
  );

function toSchedule(raw: z.output<typeof scheduleSchema>): ComputeStartStopSchedule {
  const recurrence = raw.recurrence ?? undefined;
  const cron = raw.cron ?? undefined;
  return {
    action: raw.action ?? undefined,
    status: raw.status ?? undefined,
    triggerType: raw.triggerType ?? undefined,
    recurrence:
      recurrence === undefined
        ? undefined
        : {
            frequency: recurrence.frequency ?? undefined,
            interval: recurrence.interval ?? undefined,
            timeZone: recurrence.timeZone,
            hours: recurrence.schedule?.hours ?? [],
            minutes: recurrence.schedule?.minutes ?? [],
            weekDays: recurrence.schedule?.weekDays ?? undefined,
          },
    cron: cron === undefined ? undefined : { expression: cron.expression ?? undefined, timeZone: cron.timeZone },
  };
}
