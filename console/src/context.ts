/** What every page gets: the signed-in session, the API client and the console's own paths. */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Api } from './api.js';
import type { Session, SignedInUser } from './auth.js';

export interface ConsoleContext {
  readonly session: Session;
  readonly api: Api;
  readonly user: SignedInUser | undefined;
}

export const Console = createContext<ConsoleContext | undefined>(undefined);

export function useConsole(): ConsoleContext {
  const value = useContext(Console);
  if (value === undefined) throw new Error('the console context is missing');
  return value;
}

/** The console's folder as the browser reached it (`/api/console/`), from the `<base>` the app serves the page with. */
export function basePath(): string {
  return new URL(document.baseURI).pathname.replace(/\/?$/, '/');
}

/** A console page's address: `href('approvals/abc')` → `/api/console/approvals/abc`. */
export function href(page: string): string {
  return `${basePath()}${page.replace(/^\/+/, '')}`;
}
