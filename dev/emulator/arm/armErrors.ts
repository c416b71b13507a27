import { armError, type EmulatorHandler, type EmulatorResponse } from '../router.js';

/** Thrown by ARM handlers to answer with an ARM error; `armHandler` turns it into the response. */
export class ArmRefusal extends Error {
  override readonly name = 'ArmRefusal';
  readonly response: EmulatorResponse;

  constructor(response: EmulatorResponse) {
    super(`ARM refused the request with ${response.status}`);
    this.response = response;
  }
}

export function armHandler(handler: EmulatorHandler): EmulatorHandler {
  return async (request) => {
    try {
      return await handler(request);
    } catch (error) {
      if (error instanceof ArmRefusal) return error.response;
      throw error;
    }
  };
}

export function refuse(status: number, code: string, message: string): never {
  throw new ArmRefusal(armError(status, code, message));
}

export function resourceNotFound(type: string, name: string, resourceGroup: string): never {
  return refuse(
    404,
    'ResourceNotFound',
    `The Resource '${type}/${name}' under resource group '${resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );
}

export function badRequest(field: string, message: string): never {
  return refuse(400, 'BadRequest', `The field '${field}' ${message}`);
}

/** The request body as a JSON object, or the 400 ARM gives for anything else. */
export function readJsonObject(body: unknown): Record<string, unknown> {
  if (isRecord(body)) return body;
  return refuse(400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized: the body must be a JSON object.');
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}

/** An optional object field, or a 400 naming it. */
export function readOptionalObject(value: unknown, field: string): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) return badRequest(field, 'must be an object.');
  return value;
}

/** Tags must be a string → string map, as ARM validates them. */
export function readTags(value: unknown, field: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) return badRequest(field, 'must be an object of string values.');
  const tags: Record<string, string> = {};
  for (const [name, tagValue] of Object.entries(value)) {
    if (typeof tagValue !== 'string') return badRequest(`${field}.${name}`, 'must be a string.');
    tags[name] = tagValue;
  }
  return tags;
}
