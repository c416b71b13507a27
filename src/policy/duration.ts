/**
 * ISO-8601 durations as Azure ML writes them (`PT30M`, `PT2H`, `PT120S`, `P1D`, `P1DT12H`, `P2W`).
 * Years and months have no fixed length, so they are refused rather than guessed.
 */
const durationPattern =
  /^P(?:(\d+(?:[.,]\d+)?)W)?(?:(\d+(?:[.,]\d+)?)D)?(?:T(?:(\d+(?:[.,]\d+)?)H)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/i;

const msPer = { week: 604_800_000, day: 86_400_000, hour: 3_600_000, minute: 60_000, second: 1_000 } as const;

/** Milliseconds in an ISO-8601 duration, or `undefined` when the text is not one (or uses years/months). */
export function parseIsoDuration(text: string): number | undefined {
  const trimmed = text.trim();
  const match = durationPattern.exec(trimmed);
  if (!match || trimmed === 'P' || trimmed.toUpperCase().endsWith('T')) return undefined;
  const [, weeks, days, hours, minutes, seconds] = match;
  if ([weeks, days, hours, minutes, seconds].every((part) => part === undefined)) return undefined;
  const amount = (part: string | undefined): number => (part === undefined ? 0 : Number(part.replace(',', '.')));
  return Math.round(
    amount(weeks) * msPer.week +
      amount(days) * msPer.day +
      amount(hours) * msPer.hour +
      amount(minutes) * msPer.minute +
      amount(seconds) * msPer.second,
  );
}

export function isIsoDuration(text: string): boolean {
  return parseIsoDuration(text) !== undefined;
}

/** Like `parseIsoDuration`, for values already validated by the policy schema. */
export function durationMs(text: string): number {
  const ms = parseIsoDuration(text);
  if (ms === undefined) throw new RangeError(`not an ISO-8601 duration: ${text}`);
  return ms;
}

/** Negative when `a` is shorter than `b`, 0 when equal, positive when longer. */
export function compareDurations(a: string, b: string): number {
  return durationMs(a) - durationMs(b);
}
