/**
 * Calls to the app's HTTP API (same origin, under `/api/`), each with the signed-in user's token. Answers are checked
 * against their schema; an error answer becomes an `ApiError` carrying the API's own code, message and field, which
 * the pages show as they are.
 */
import * as z from 'zod/mini';
import type { Session } from './auth.js';
import { errorBodySchema } from './schemas.js';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly code: string;
  /** The field or setting the error is about (`body.vmSize`), when the API names one. */
  readonly target: string | undefined;
  readonly details: readonly { readonly target: string; readonly message: string }[];

  constructor(status: number, code: string, message: string, target?: string, details: readonly { target: string; message: string }[] = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.target = target;
    this.details = details;
  }
}

/** The API's root, from the console's own address: `/api/console/` → `/api/`. */
export function apiBase(): string {
  return new URL('../', document.baseURI).href;
}

async function errorOf(response: Response): Promise<ApiError> {
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const parsed = errorBodySchema.safeParse(body);
  if (parsed.success) {
    const { code, message, target, details } = parsed.data.error;
    return new ApiError(response.status, code, message, target, details ?? []);
  }
  return new ApiError(response.status, `HTTP${response.status}`, `The API answered ${response.status} ${response.statusText}`.trim());
}

export interface Api {
  get<T>(path: string, schema: z.ZodMiniType<T>): Promise<T>;
  post<T>(path: string, body: unknown, schema: z.ZodMiniType<T>): Promise<T>;
}

export function createApi(session: Session): Api {
  const call = async <T>(method: string, path: string, schema: z.ZodMiniType<T>, body?: unknown): Promise<T> => {
    const token = await session.accessToken();
    let response: Response;
    try {
      response = await fetch(new URL(path, apiBase()), {
        method,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch {
      throw new ApiError(0, 'Unreachable', 'The app could not be reached. Check your connection and try again.');
    }
    if (!response.ok) throw await errorOf(response);
    const parsed = schema.safeParse(await response.json());
    if (!parsed.success) throw new ApiError(response.status, 'UnexpectedAnswer', `The API's answer to ${method} ${path} was not what the console expects.`);
    return parsed.data;
  };
  return {
    get: (path, schema) => call('GET', path, schema),
    post: (path, body, schema) => call('POST', path, schema, body),
  };
}

/** A query string from the values that are set. */
export function query(values: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) if (value !== undefined && value !== '') params.set(name, String(value));
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}
