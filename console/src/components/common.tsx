/** Small pieces every page uses: the API error as the API said it, a status badge, times, loading state. */
import type { ComponentChildren } from 'preact';
import { ApiError } from '../api.js';

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return 'Something went wrong.';
}

/** An API error as an alert: the API's message, and each detail it gave (field: problem). */
export function ErrorNotice({ error, title }: { error: unknown; title?: string }) {
  const details = error instanceof ApiError ? error.details.filter((detail) => detail.message !== error.message) : [];
  return (
    <div class="notice notice-error" role="alert">
      {title === undefined ? null : <p class="notice-title">{title}</p>}
      <p>{errorMessage(error)}</p>
      {details.length === 0 ? null : (
        <ul>
          {details.map((detail) => (
            <li key={detail.target}>{detail.message}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Notice({ children, kind = 'info' }: { children: ComponentChildren; kind?: 'info' | 'success' }) {
  return (
    <div class={`notice notice-${kind}`} role="status">
      {children}
    </div>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge badge-${status.toLowerCase()}`}>{status}</span>;
}

export function When({ at }: { at: string }) {
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return <span>{at}</span>;
  return (
    <time dateTime={at} title={at}>
      {date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' })}
    </time>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" role="status">
      Loading {what}…
    </p>
  );
}

/** `/subscriptions/…/workspaces/mlw-demo` → `mlw-demo`; the id itself when it is not a workspace's. */
export function workspaceNameOf(workspaceId: string): string {
  return /\/workspaces\/([^/]+)/i.exec(workspaceId)?.[1] ?? workspaceId;
}

/** A definition list of label → value rows. */
export function Facts({ rows }: { rows: readonly (readonly [string, ComponentChildren])[] }) {
  return (
    <dl class="facts">
      {rows.map(([name, value]) => (
        <div key={name} class="fact">
          <dt>{name}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/**
 * A wide table's box, scrolled sideways on a narrow screen: focusable and named, so a keyboard can scroll it
 * (WCAG 2.1.1; axe's `scrollable-region-focusable`).
 */
export function TableScroll({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="table-scroll" tabIndex={0} role="region" aria-label={label}>
      {children}
    </div>
  );
}
