/**
 * The words of failed-run notifications: the message for a failure that is sent at once, and the summary of the
 * failures folded into a burst window once it closes. Pure, so the text can be pinned without a sink.
 */
import type { Notification, NotificationFact } from '../notifications/ports.js';
import { joinSentences } from '../shared/text.js';

const UNITS = [
  { ms: 86_400_000, one: 'day' },
  { ms: 3_600_000, one: 'hour' },
  { ms: 60_000, one: 'minute' },
  { ms: 1_000, one: 'second' },
] as const;

function plural(count: number, one: string): string {
  return `${count} ${one}${count === 1 ? '' : 's'}`;
}

/** A window's length in words: `5 minutes`, `1 hour 30 minutes`, `90 seconds` (below a second: `1 second`). */
export function describeWindow(ms: number): string {
  const parts: string[] = [];
  let rest = Math.max(Math.round(ms / 1000) * 1000, 1000);
  for (const unit of UNITS) {
    const count = Math.floor(rest / unit.ms);
    // Below two minutes, seconds read better than "1 minute 30 seconds".
    if (count === 0 || (unit.ms === 60_000 && rest < 120_000 && rest % 60_000 !== 0)) continue;
    parts.push(plural(count, unit.one));
    rest -= count * unit.ms;
  }
  return parts.join(' ');
}

export interface FailedRunTextInput {
  /** The error Azure ML recorded for the job, as it is (often without a closing full stop). */
  readonly errorText: string | undefined;
  /** Failures of the previous window that no message reported yet. */
  readonly previousFolded: number;
  readonly previousWindowStart: string | undefined;
  readonly windowMs: number;
}

/** The body of the message sent at once for a failure that opens a burst window. */
export function failedRunText(input: FailedRunTextInput): string {
  const folded = input.previousFolded;
  return joinSentences([
    input.errorText === undefined ? 'Azure ML recorded no error message for this job' : `Error: ${input.errorText}`,
    folded > 0 ? `${plural(folded, 'more failure')} of this experiment ${folded === 1 ? 'was' : 'were'} folded since ${input.previousWindowStart ?? 'the last message'}` : undefined,
    `Further failures of this experiment in the next ${describeWindow(input.windowMs)} are counted and sent as one summary when that window closes`,
  ]);
}

export interface BurstSummaryInput {
  readonly workspaceName: string;
  readonly experimentName: string;
  /** Failures folded into the window (its first failure was reported on its own). */
  readonly folded: number;
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly lastJobName: string | undefined;
  readonly lastErrorText: string | undefined;
  readonly lastStudioLink: string | undefined;
  /** The event that opened the window, for correlation. */
  readonly eventId: string;
}

/** The one message for a closed window's folded failures. */
export function burstSummary(input: BurstSummaryInput): Notification {
  const windowMs = Date.parse(input.windowEnd) - Date.parse(input.windowStart);
  const experiment = input.experimentName === '' ? '(none)' : input.experimentName;
  const facts: NotificationFact[] = [
    { name: 'Workspace', value: input.workspaceName },
    { name: 'Experiment', value: experiment },
    { name: 'Failures folded', value: String(input.folded) },
    { name: 'Window', value: `${input.windowStart} – ${input.windowEnd}` },
    ...(input.lastJobName === undefined ? [] : [{ name: 'Last failed job', value: input.lastJobName }]),
  ];
  return {
    title: `${plural(input.folded, 'more failure')} of experiment ${experiment} in the last ${describeWindow(Number.isFinite(windowMs) ? windowMs : 0)}`,
    text: joinSentences([
      `They followed the failure reported at ${input.windowStart}`,
      input.lastErrorText === undefined
        ? 'Azure ML recorded no error message for the last one'
        : `Last error${input.lastJobName === undefined ? '' : ` (job ${input.lastJobName})`}: ${input.lastErrorText}`,
    ]),
    severity: 'error',
    facts,
    ...(input.lastStudioLink === undefined ? {} : { link: { title: 'Open the last failed run in Azure ML studio', url: input.lastStudioLink } }),
    eventId: input.eventId,
  };
}
