/**
 * The shape of `onlineEndpoints:` in the policy (its evaluation is `onlineEndpointRules.ts`). Kept apart so the policy
 * schema does not import evaluation.
 */
import * as z from 'zod';
import { durationMs } from './duration.js';

const isoDuration = z
  .string({ error: 'expected an ISO-8601 duration such as P1D' })
  .refine((text) => {
    try {
      return durationMs(text) > 0;
    } catch {
      return false;
    }
  }, { error: 'expected an ISO-8601 duration longer than zero, such as P1D or PT12H' });

export const onlineEndpointsSchema = z
  .strictObject({
    mode: z.enum(['audit', 'enforce'], { error: "expected 'audit' or 'enforce'" }).optional().describe('Overrides the top-level mode for endpoints and deployments.'),
    allowedInstanceTypes: z
      .array(z.string().min(1, { error: 'expected an instance type' }), { error: 'expected a list of instance types' })
      .optional()
      .describe('Allowed deployment instance types (case-insensitive), e.g. Standard_DS3_v2. Absent: any.'),
    maxInstances: z.int({ error: 'expected a whole number ≥ 1' }).min(1, { error: 'expected a whole number ≥ 1' }).optional().describe('The most instances a deployment may run: sku.capacity, and scaleSettings.maxInstances when it autoscales.'),
    publicNetworkAccess: z.enum(['Disabled', 'any'], { error: "expected 'Disabled' or 'any'" }).default('any').describe('Disabled: endpoints must not be reachable from the internet.'),
    authModes: z
      .array(z.enum(['Key', 'AMLToken', 'AADToken'], { error: "expected 'Key', 'AMLToken' or 'AADToken'" }), { error: 'expected a list of auth modes' })
      .min(1, { error: 'expected at least one auth mode' })
      .optional()
      .describe('Allowed endpoint auth modes, e.g. [AADToken] for Microsoft Entra only. Absent: any.'),
    failedDeployments: z
      .strictObject({
        remindAfter: isoDuration.default('P1D').describe('Remind the owner again this long after the first notice.'),
        delete: z
          .strictObject({ after: isoDuration.describe('Delete a deployment still Failed this long after the first notice.') })
          .optional()
          .describe('Opt-in deletion of failed deployments (never an exempt one). Absent: never deleted.'),
      })
      .prefault({})
      .describe('A Failed deployment is still billed: its owner hears at once and again after remindAfter.'),
  })
  .describe('Managed online endpoints and deployments (instance types, instance caps, network access, auth mode, failed deployments).');

export type OnlineEndpointRules = z.output<typeof onlineEndpointsSchema>;
