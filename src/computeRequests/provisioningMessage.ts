/** The provisioning queue's message: which request to move on. */
import { z } from 'zod';
import { AppError } from '../errors.js';

const schema = z.object({ requestId: z.string().min(1).max(100) });

export function provisioningMessage(message: unknown): z.infer<typeof schema> {
  const parsed = schema.safeParse(message);
  if (!parsed.success) throw new AppError('BadRequest', 'a provisioning message names no requestId', { target: 'requestId', module: 'computeRequests' });
  return parsed.data;
}
