/**
 * The playground tenant's directory: the users a person can sign in as, with the app roles each is assigned on the
 * playground API, and the API's app registration as a single-page application (the console signs in with it).
 *
 * Redirect URIs are matched as Entra ID matches them (MicrosoftDocs/entra-docs `docs/identity-platform/reply-url.md`):
 * exactly and case-sensitively, except that for `localhost` and `127.0.0.1` the port is ignored ("Localhost
 * exceptions", after RFC 8252 §7.3 and §8.3), and `http` is allowed only there. The IPv6 loopback `[::1]` gets no such
 * exception ("not currently supported"). The console is served by the app at `/api/console/` on whatever port it runs
 * on, so the registration names that path on both loopback hosts.
 */
import { PLAYGROUND_API, PLAYGROUND_SCOPE, displayNameOf } from './idpIssuer.js';

export interface DirectoryUser {
  readonly userPrincipalName: string;
  readonly displayName: string;
  /** App roles assigned to the user on the playground API: its tokens' `roles` claim. */
  readonly appRoles: readonly string[];
}

function user(userPrincipalName: string, appRoles: readonly string[]): DirectoryUser {
  return { userPrincipalName, displayName: displayNameOf(userPrincipalName), appRoles };
}

/** The README's playground users: `aml-warden dev token` mints the same names, so both paths agree on who is who. */
export const PLAYGROUND_USERS: readonly DirectoryUser[] = [
  user('requester@contoso.com', ['ComputeRequester']),
  user('approver@contoso.com', ['ComputeApprover']),
  user('ops@contoso.com', ['Operator']),
];

export function findUser(userPrincipalName: string): DirectoryUser | undefined {
  const wanted = userPrincipalName.trim().toLowerCase();
  return PLAYGROUND_USERS.find((candidate) => candidate.userPrincipalName === wanted);
}

/** An app registration with the single-page application platform: public client, `spa` redirect URIs. */
export interface SpaRegistration {
  readonly clientId: string;
  readonly displayName: string;
  /** The `spa` redirect URIs, as registered. */
  readonly redirectUris: readonly string[];
}

/**
 * The playground API's registration, which is also the console's (the app's `AML_WARDEN_CONSOLE_CLIENT_ID` defaults
 * to the API's client ID): the console asks for the API's own scope, so its tokens are v2.0 tokens for the API.
 */
export const PLAYGROUND_SPA: SpaRegistration = {
  clientId: PLAYGROUND_API.clientId,
  displayName: 'aml-warden (playground)',
  redirectUris: ['http://127.0.0.1/api/console/', 'http://localhost/api/console/'],
};

export const APP_REGISTRATIONS: readonly SpaRegistration[] = [PLAYGROUND_SPA];

export function findRegistration(clientId: string): SpaRegistration | undefined {
  const wanted = clientId.trim().toLowerCase();
  return APP_REGISTRATIONS.find((registration) => registration.clientId === wanted);
}

/** The resource the playground API is, as its scopes name it. */
export const PLAYGROUND_RESOURCE = {
  identifiers: [PLAYGROUND_API.appIdUri, PLAYGROUND_API.clientId],
  clientId: PLAYGROUND_API.clientId,
  delegatedScopes: [PLAYGROUND_SCOPE],
} as const;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1']);

/** Whether `requested` is one of the registration's redirect URIs, by Entra's matching rules (see above). */
export function isRegisteredRedirectUri(registration: SpaRegistration, requested: string): boolean {
  return registration.redirectUris.some((registered) => redirectUrisMatch(registered, requested));
}

function redirectUrisMatch(registered: string, requested: string): boolean {
  if (registered === requested) return true;
  const a = parseUrl(registered);
  const b = parseUrl(requested);
  if (a === undefined || b === undefined || !LOOPBACK_HOSTS.has(a.hostname) || a.hostname !== b.hostname) return false;
  // URL() lower-cases the scheme and host only; the path and query keep their case, so they compare exactly.
  return a.protocol === b.protocol && a.pathname === b.pathname && a.search === b.search && b.hash === '' && b.username === '' && b.password === '';
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}
