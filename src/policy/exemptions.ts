import { durationMs } from './duration.js';
import type { ExemptionRules } from './policySchema.js';
import { tagValueOf } from './tags.js';

/**
 * Exemptions are a tag on the resource: `2025-12-31` or `2025-12-31;reason` (a date means the end of
 * that day, UTC; a full ISO timestamp with a zone is taken as is). Every exemption expires.
 */
export type ExemptionStatus =
  | { readonly state: 'none' }
  | { readonly state: 'active'; readonly until: string; readonly reason: string | undefined }
  | { readonly state: 'expired'; readonly until: string; readonly reason: string | undefined }
  | { readonly state: 'malformed'; readonly value: string; readonly problem: string };

const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;
const timestampPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/i;

export function readExemption(tags: Readonly<Record<string, string>>, rules: ExemptionRules, now: Date): ExemptionStatus {
  const value = tagValueOf(tags, rules.tag);
  if (value === undefined) return { state: 'none' };
  const separator = value.indexOf(';');
  const datePart = (separator < 0 ? value : value.slice(0, separator)).trim();
  const reasonPart = separator < 0 ? '' : value.slice(separator + 1).trim();
  const reason = reasonPart === '' ? undefined : reasonPart;
  const expiry = expiryOf(datePart);
  if (expiry === undefined) {
    return { state: 'malformed', value, problem: `'${datePart}' is not a date (expected YYYY-MM-DD, optionally ;reason)` };
  }
  const until = expiry.toISOString();
  if (expiry.getTime() < now.getTime()) return { state: 'expired', until, reason };
  if (rules.requireReason && reason === undefined) {
    return { state: 'malformed', value, problem: 'no reason given (expected YYYY-MM-DD;reason)' };
  }
  if (rules.maxDuration !== undefined && expiry.getTime() - now.getTime() > durationMs(rules.maxDuration)) {
    return { state: 'malformed', value, problem: `expires later than the longest exemption allowed (${rules.maxDuration})` };
  }
  return { state: 'active', until, reason };
}

function expiryOf(text: string): Date | undefined {
  const date = datePattern.exec(text);
  if (date) {
    const [, year, month, day] = date.map(Number);
    if (year === undefined || month === undefined || day === undefined) return undefined;
    const endOfDay = new Date(Date.UTC(year, month - 1, day, 23, 59, 59, 999));
    // Date.UTC rolls 2025-02-30 over to March; a date that does not round-trip is not a date.
    return endOfDay.getUTCMonth() === month - 1 && endOfDay.getUTCDate() === day ? endOfDay : undefined;
  }
  if (timestampPattern.test(text)) {
    const instant = new Date(text);
    return Number.isNaN(instant.getTime()) ? undefined : instant;
  }
  return undefined;
}
