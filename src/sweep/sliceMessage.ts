/** A sweep slice message as it arrives from the queue: parsed, not trusted. */
import * as z from 'zod';
import type { SweepSliceMessage } from './ports.js';

const sliceMessageSchema = z.object({
  runId: z.string().min(1).max(200),
  startedAt: z.iso.datetime(),
  subscriptionId: z.string().min(1).max(200),
  seq: z.number().int().nonnegative(),
});

/** The message, or what is wrong with it (a message no retry can mend). */
export function parseSliceMessage(message: unknown): { readonly message: SweepSliceMessage } | { readonly problem: string } {
  const parsed = sliceMessageSchema.safeParse(message);
  if (parsed.success) return { message: parsed.data };
  const issue = parsed.error.issues[0];
  return { problem: `${issue?.path.join('.') || 'message'}: ${issue?.message ?? 'invalid'}` };
}
