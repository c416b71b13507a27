/** The functions this app registers (infra and Event Grid subscriptions point at these names); a test holds it to the registrations. */
export const appFunctionNames = [
  'amlEvents',
  'resourceEvents',
  'eventsWebhook',
  'complianceSweep',
  'sweepSlice',
  'sweepSlicePoison',
  'computeRequests',
  'computeRequestById',
  'computeRequestAllowances',
  'computeRequestApprove',
  'computeRequestReject',
  'computeRequestProvisioning',
  'computeRequestsExpiry',
  'notificationFlush',
  'health',
  'openapi',
] as const;
