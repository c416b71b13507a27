/**
 * The HTTP API's OpenAPI 3.1 document. Request and response schemas are generated from the zod schemas
 * that validate requests (`z.toJSONSchema`), and every HTTP function the app registers is listed in
 * `apiOperations`; a test compares both with what the app actually serves.
 */
import { z } from 'zod';
import {
  approveComputeRequestBody,
  computeRequestListSchema,
  computeRequestOptionsQuery,
  computeRequestOptionsSchema,
  computeRequestStatus,
  computeRequestViewSchema,
  createComputeRequestBody,
  errorBodySchema,
  rejectComputeRequestBody,
} from '../computeRequests/computeRequestSchemas.js';
import { cdVersionListSchema, listCdRunsQuery } from '../modelCd/readCdRuns.js';
import { listSweepReportsQuery, sweepReportSchema, sweepReportSummaryListSchema } from '../sweep/reportSchemas.js';
import { appRoles } from './principal.js';
import { defaultMaxBodyBytes } from './readJsonBody.js';

/** Component name → the zod schema it is generated from, and whether it describes input or output. */
export const apiSchemas = {
  CreateComputeRequest: { schema: createComputeRequestBody, io: 'input' },
  ApproveComputeRequest: { schema: approveComputeRequestBody, io: 'input' },
  RejectComputeRequest: { schema: rejectComputeRequestBody, io: 'input' },
  ComputeRequest: { schema: computeRequestViewSchema, io: 'output' },
  ComputeRequestList: { schema: computeRequestListSchema, io: 'output' },
  ComputeRequestOptions: { schema: computeRequestOptionsSchema, io: 'output' },
  Error: { schema: errorBodySchema, io: 'output' },
  SweepReportSummaryList: { schema: sweepReportSummaryListSchema, io: 'output' },
  SweepReport: { schema: sweepReportSchema, io: 'output' },
  CdRunList: { schema: cdVersionListSchema, io: 'output' },
} as const satisfies Record<string, { schema: z.ZodType; io: 'input' | 'output' }>;

export type ApiSchemaName = keyof typeof apiSchemas;

interface ApiParameter {
  readonly name: string;
  readonly in: 'path' | 'query';
  readonly description: string;
  readonly schema: z.ZodType;
  /** Path parameters always are; a query parameter when it says so. */
  readonly required?: boolean;
}

export interface ApiOperation {
  /** The function that serves it (`app.http(name, …)`). */
  readonly functionName: string;
  readonly method: 'GET' | 'POST' | 'OPTIONS';
  readonly operationId: string;
  /** Under `/api`, with `{param}` placeholders as registered. */
  readonly route: string;
  readonly summary: string;
  /** App roles that may call it; empty: no bearer token needed. */
  readonly roles: readonly string[];
  /**
   * How the roles are asked for: `required` (the default when there are roles), `optional` (anyone may call; a token
   * with the role gets more), or `orSharedKey` (a token with the role, or the `x-aml-warden-key` header).
   */
  readonly access?: 'required' | 'optional' | 'orSharedKey';
  readonly parameters?: readonly ApiParameter[];
  readonly requestBody?: { readonly schema: ApiSchemaName; readonly required: boolean } | { readonly description: string };
  /** Status → the body schema (or a description when the body is not one of ours). */
  readonly responses: Readonly<Record<number, ApiSchemaName | string>>;
}

const idParameter: ApiParameter = { name: 'id', in: 'path', description: 'The compute request id.', schema: z.string() };
const bearerFailures = { 401: 'Error', 403: 'Error' } as const;
/** Approve and reject answer alike: the decided request, or why not (409: no longer Pending, or another decision won). */
const decisionResponses = { 200: 'ComputeRequest', 400: 'Error', ...bearerFailures, 404: 'Error', 409: 'Error', 413: 'Error', 415: 'Error' } as const;

/** Every HTTP operation the app serves. */
export const apiOperations: readonly ApiOperation[] = [
  {
    functionName: 'computeRequests',
    method: 'POST',
    operationId: 'createComputeRequest',
    route: 'compute-requests',
    summary: 'Request a compute cluster; it waits for an approver who is not the requester.',
    roles: [appRoles.computeRequester],
    requestBody: { schema: 'CreateComputeRequest', required: true },
    responses: { 201: 'ComputeRequest', 400: 'Error', ...bearerFailures, 404: 'Error', 409: 'Error', 413: 'Error', 415: 'Error', 422: 'Error' },
  },
  {
    functionName: 'computeRequests',
    method: 'GET',
    operationId: 'listComputeRequests',
    route: 'compute-requests',
    summary: 'List compute requests: requesters see their own, approvers see all.',
    roles: [appRoles.computeRequester, appRoles.computeApprover],
    parameters: [
      { name: 'status', in: 'query', description: 'Only requests in this status.', schema: computeRequestStatus },
      { name: 'workspaceId', in: 'query', description: 'Only requests for this workspace (ARM resource id).', schema: z.string() },
      { name: 'requestedBy', in: 'query', description: "Only requests by this user (sign-in name).", schema: z.string() },
    ],
    responses: { 200: 'ComputeRequestList', 400: 'Error', ...bearerFailures },
  },
  {
    functionName: 'computeRequestById',
    method: 'GET',
    operationId: 'getComputeRequest',
    route: 'compute-requests/{id}',
    summary: 'Read one compute request with its history.',
    roles: [appRoles.computeRequester, appRoles.computeApprover],
    parameters: [idParameter],
    responses: { 200: 'ComputeRequest', ...bearerFailures, 404: 'Error' },
  },
  {
    functionName: 'computeRequestAllowances',
    method: 'GET',
    operationId: 'getComputeRequestOptions',
    route: 'compute-requests/options',
    summary:
      'What a compute request for a workspace may ask for under the policy (VM sizes, node counts, priorities) and what the cluster will be given (idle scale-down, tags): the rules POST /compute-requests is held to.',
    roles: [appRoles.computeRequester],
    parameters: [
      {
        name: 'workspaceId',
        in: 'query',
        description: "The workspace's ARM resource id.",
        schema: computeRequestOptionsQuery.shape.workspaceId,
        required: true,
      },
    ],
    responses: { 200: 'ComputeRequestOptions', 400: 'Error', ...bearerFailures, 404: 'Error', 422: 'Error' },
  },
  {
    functionName: 'computeRequestApprove',
    method: 'POST',
    operationId: 'approveComputeRequest',
    route: 'compute-requests/{id}/approve',
    summary: 'Approve a Pending request (not your own); the cluster is then created in the background.',
    roles: [appRoles.computeApprover],
    parameters: [idParameter],
    requestBody: { schema: 'ApproveComputeRequest', required: false },
    responses: decisionResponses,
  },
  {
    functionName: 'computeRequestReject',
    method: 'POST',
    operationId: 'rejectComputeRequest',
    route: 'compute-requests/{id}/reject',
    summary: 'Reject a Pending request (not your own).',
    roles: [appRoles.computeApprover],
    parameters: [idParameter],
    requestBody: { schema: 'RejectComputeRequest', required: true },
    responses: decisionResponses,
  },
  {
    functionName: 'eventsWebhook',
    method: 'POST',
    operationId: 'deliverEvents',
    route: 'events',
    summary:
      "Azure ML and resource events as a webhook (Event Grid schema or CloudEvents 1.0): an application's token holding the delivery role (AML_WARDEN_EVENTS_ROLE; a person's token never), or the x-aml-warden-key header.",
    roles: ['AzureEventGridSecureWebhookSubscriber'],
    access: 'orSharedKey',
    requestBody: { description: 'An array of Event Grid events, or CloudEvents (single or batch).' },
    responses: { 200: 'Accepted (or the Event Grid validation response).', 400: 'Error', 401: 'Error', 403: 'Error', 413: 'Error', 415: 'Error', 503: 'Error' },
  },
  {
    functionName: 'eventsWebhook',
    method: 'OPTIONS',
    operationId: 'eventsHandshake',
    route: 'events',
    summary: 'The CloudEvents webhook validation handshake (WebHook-Request-Origin → WebHook-Allowed-Origin).',
    roles: [],
    responses: { 200: 'The origin is allowed.', 400: 'Error' },
  },
  {
    functionName: 'health',
    method: 'GET',
    operationId: 'getHealth',
    route: 'health',
    summary: 'Liveness (status and version) for anyone; with a token holding the Operator role, the configuration, policy and telemetry summary (no secrets).',
    roles: [appRoles.operator],
    access: 'optional',
    responses: {
      200: 'Healthy: status and version, and for an Operator the summaries.',
      401: 'Error',
      403: 'Error',
      503: 'The configuration is invalid; the body names the setting (an Operator also gets the message).',
    },
  },
  {
    functionName: 'openapi',
    method: 'GET',
    operationId: 'getOpenApiDocument',
    route: 'openapi.json',
    summary: 'This document.',
    roles: [],
    responses: { 200: 'The OpenAPI document.' },
  },
  {
    functionName: 'sweepReports',
    method: 'GET',
    operationId: 'listSweepReports',
    route: 'sweep-reports',
    summary: 'The stored compliance sweep reports, newest first, as summaries (totals, compliance rate, problems counted).',
    roles: [appRoles.operator],
    parameters: [{ name: 'limit', in: 'query', description: 'How many reports, newest first.', schema: listSweepReportsQuery.shape.limit }],
    responses: { 200: 'SweepReportSummaryList', 400: 'Error', ...bearerFailures },
  },
  {
    functionName: 'sweepReportById',
    method: 'GET',
    operationId: 'getSweepReport',
    route: 'sweep-reports/{runId}',
    summary: 'One sweep report in full, with every resource that needs attention and its findings.',
    roles: [appRoles.operator],
    parameters: [{ name: 'runId', in: 'path', description: 'The sweep run id, or latest for the newest stored report.', schema: z.string() }],
    responses: { 200: 'SweepReport', ...bearerFailures, 404: 'Error' },
  },
  {
    functionName: 'cdRuns',
    method: 'GET',
    operationId: 'listCdRuns',
    route: 'cd-runs',
    summary: "The model CD ledger: model versions, most recently decided first, with the targets their rules matched (or why CD skipped them) and each target's run.",
    roles: [appRoles.operator],
    parameters: [
      { name: 'limit', in: 'query', description: 'How many model versions, most recently decided first.', schema: listCdRunsQuery.shape.limit },
      { name: 'model', in: 'query', description: 'Only versions of this model (exact name).', schema: listCdRunsQuery.shape.model },
    ],
    responses: { 200: 'CdRunList', 400: 'Error', ...bearerFailures },
  },
  {
    functionName: 'monitorAlerts',
    method: 'POST',
    operationId: 'postMonitorAlert',
    route: 'monitor-alerts',
    summary:
      "An Azure Monitor alert in the common alert schema, from an action group's secure webhook: a Fired metric alert on a model monitor starts that monitor's retraining target once per alert window (policy modelMonitoring).",
    roles: [appRoles.monitorAlertSender],
    requestBody: { description: 'An alert in the Azure Monitor common alert schema (schemaId azureMonitorCommonAlertSchema).' },
    responses: {
      200: 'What became of the alert: per monitor, whether a retraining run started, or why not (already started for this window, no rule, resolved).',
      400: 'Error',
      ...bearerFailures,
      413: 'Error',
      415: 'Error',
    },
  },
];

const statusText: Readonly<Record<number, string>> = {
  200: 'OK',
  201: 'Created',
  400: 'The input is malformed; the error names the field.',
  401: 'No valid bearer token; the error says why.',
  403: 'The caller lacks the app role, or is the requester deciding their own request.',
  404: 'Not found.',
  409: 'Conflict: the name is taken, or the request is no longer Pending (another decision won).',
  413: `The body is larger than ${defaultMaxBodyBytes} bytes.`,
  415: 'The body is not JSON.',
  422: 'The policy refuses the request; the error names the rule.',
  503: 'A dependency is unavailable; retry later.',
};

/** JSON Schema (2020-12) for a component, as it appears in the document. */
function componentSchema(name: ApiSchemaName): Record<string, unknown> {
  const { schema, io } = apiSchemas[name];
  const { $schema: _dialect, ...jsonSchema } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return jsonSchema;
}

const ref = (name: ApiSchemaName) => ({ $ref: `#/components/schemas/${name}` });

function isSchemaName(value: string): value is ApiSchemaName {
  return Object.hasOwn(apiSchemas, value);
}

function operationObject(operation: ApiOperation): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const [status, body] of Object.entries(operation.responses)) {
    responses[status] = isSchemaName(body)
      ? { description: statusText[Number(status)] ?? body, content: { 'application/json': { schema: ref(body) } } }
      : { description: body };
  }
  const requestBody =
    operation.requestBody === undefined
      ? undefined
      : 'schema' in operation.requestBody
        ? { required: operation.requestBody.required, content: { 'application/json': { schema: ref(operation.requestBody.schema) } } }
        : { required: true, description: operation.requestBody.description, content: { 'application/json': { schema: {} } } };
  return {
    operationId: operation.operationId,
    summary: operation.summary,
    ...securityOf(operation),
    ...(operation.parameters === undefined
      ? {}
      : {
          parameters: operation.parameters.map((parameter) => {
            const { $schema: _d, ...schema } = z.toJSONSchema(parameter.schema) as Record<string, unknown>;
            return { name: parameter.name, in: parameter.in, required: parameter.in === 'path' || parameter.required === true, description: parameter.description, schema };
          }),
        }),
    ...(requestBody === undefined ? {} : { requestBody }),
    responses,
  };
}

/** OpenAPI security requirements: alternatives are listed side by side, and `{}` makes the whole optional. */
function securityOf(operation: ApiOperation): Record<string, unknown> {
  if (operation.roles.length === 0) return { security: [] };
  const alternatives = { required: [{ bearer: [] }], optional: [{}, { bearer: [] }], orSharedKey: [{ bearer: [] }, { sharedKey: [] }] } as const;
  return { security: alternatives[operation.access ?? 'required'], 'x-app-roles': operation.roles };
}

export interface OpenApiOptions {
  /** The API's base URL (`https://host/api`). */
  readonly serverUrl?: string;
  readonly version?: string;
}

export function openApiDocument(options: OpenApiOptions = {}): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const operation of apiOperations) {
    const path = `/${operation.route}`;
    paths[path] = { ...paths[path], [operation.method.toLowerCase()]: operationObject(operation) };
  }
  const schemas: Record<string, unknown> = {};
  for (const name of Object.keys(apiSchemas) as ApiSchemaName[]) schemas[name] = componentSchema(name);
  return {
    openapi: '3.1.0',
    info: {
      title: 'aml-warden',
      version: options.version ?? '1',
      description: 'Governance for Azure Machine Learning workspaces: compute on approval, event webhooks, health.',
    },
    ...(options.serverUrl === undefined ? {} : { servers: [{ url: options.serverUrl }] }),
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An Entra ID access token for the app; app roles in the roles claim.' },
        sharedKey: { type: 'apiKey', in: 'header', name: 'x-aml-warden-key', description: 'The Key Vault secret AML_WARDEN_EVENTS_SECRET_NAME names (event deliveries only).' },
      },
    },
  };
}
