import type { EmulatorRequest, EmulatorResponse } from '../router.js';

/**
 * One page of an ARM list: `{ value, nextLink? }`, continued through `$skip` (an opaque token to the
 * client; here the offset), with the same api-version.
 */
export function listPage<T>(items: readonly T[], request: EmulatorRequest, baseUrl: string, pageSize: number, view: (item: T) => unknown): EmulatorResponse {
  const offset = Math.max(0, Number.parseInt(request.query.get('$skip') ?? '0', 10) || 0);
  const page = items.slice(offset, offset + pageSize);
  const next = offset + pageSize;
  const body: Record<string, unknown> = { value: page.map(view) };
  if (next < items.length) {
    const query = new URLSearchParams({ 'api-version': request.query.get('api-version') ?? '', $skip: String(next) });
    body['nextLink'] = `${baseUrl}${encodePath(request.path)}?${query.toString()}`;
  }
  return { status: 200, body };
}

export function encodePath(path: string): string {
  return path
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
}
