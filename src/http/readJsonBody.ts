import type { HttpRequest } from '@azure/functions';
import { AppError } from '../errors.js';

export interface ReadJsonBodyOptions {
  readonly maxBytes: number;
}

export const defaultMaxBodyBytes = 1_048_576;

// application/json, application/cloudevents+json, application/cloudevents-batch+json, ...
const jsonMediaType = /^application\/([\w.-]+\+)?json$/i;

function tooLarge(maxBytes: number): AppError {
  return new AppError('PayloadTooLarge', `body is larger than ${maxBytes} bytes`, { target: 'body', module: 'http' });
}

/**
 * Reads and parses a JSON request body, refusing non-JSON content types (415), bodies over
 * `maxBytes` (413: by `content-length` first, then by counting while reading, since the header can
 * be absent or wrong) and invalid JSON (400).
 */
export async function readJsonBody(
  request: HttpRequest,
  options: ReadJsonBodyOptions = { maxBytes: defaultMaxBodyBytes },
): Promise<unknown> {
  const contentType = request.headers.get('content-type');
  if (contentType !== null) {
    const mediaType = contentType.split(';')[0]?.trim() ?? '';
    if (!jsonMediaType.test(mediaType)) {
      throw new AppError('UnsupportedMediaType', `content-type ${mediaType || '(empty)'} is not JSON`, {
        target: 'headers.content-type',
        module: 'http',
      });
    }
  }
  const declaredLength = request.headers.get('content-length');
  if (declaredLength !== null && Number(declaredLength) > options.maxBytes) throw tooLarge(options.maxBytes);

  const bytes = await readAtMost(request, options.maxBytes);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new AppError('BadRequest', 'body is not valid UTF-8', { target: 'body', module: 'http' });
  }
  if (text.trim() === '') throw new AppError('BadRequest', 'body is empty', { target: 'body', module: 'http' });
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof SyntaxError ? `: ${error.message}` : '';
    throw new AppError('BadRequest', `body is not valid JSON${reason}`, { target: 'body', module: 'http' });
  }
}

async function readAtMost(request: HttpRequest, maxBytes: number): Promise<Uint8Array> {
  const stream = request.body;
  if (stream === null) return new Uint8Array();
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const chunk = value instanceof Uint8Array ? value : new TextEncoder().encode(String(value));
    total += chunk.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(maxBytes);
    }
    chunks.push(chunk);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
