/**
 * The `scope` parameter of the playground's authorization and token requests, resolved as Entra ID resolves it
 * (MicrosoftDocs/entra-docs `docs/identity-platform/scopes-oidc.md`, `v2-oauth2-auth-code-flow.md`):
 * - `openid`, `profile`, `email` and `offline_access` are OpenID Connect scopes: an ID token, the user's names, the
 *   email claim, a refresh token;
 * - every other scope is `{resource}/{permission}`, the resource an App ID URI or client ID, or a bare permission of
 *   Microsoft Graph; `{resource}/.default` asks for every permission consented to;
 * - with no resource scope at all, Entra issues a token for Microsoft Graph's `User.Read`, as here;
 * - a token request may name one resource only (AADSTS700022).
 *
 * The playground tenant knows two resources: the playground API, which exposes `access_as_user` and issues v2.0 tokens
 * (`aud` its client ID), and Microsoft Graph, of which it has consented to `User.Read` only.
 */
import { entraError, type EntraError } from './idpEntraErrors.js';
import { PLAYGROUND_RESOURCE } from './idpDirectory.js';
import type { TokenVersion } from './idpIssuer.js';

const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);
const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
const GRAPH_IDENTIFIERS = new Set(['https://graph.microsoft.com', GRAPH_APP_ID]);
const GRAPH_CONSENTED = 'User.Read';

/** What one resource's token is: its audience and version, the `scp` it carries, and the `scope` the answer names. */
export interface ResourceGrant {
  readonly resource: 'playground-api' | 'microsoft-graph';
  readonly audience: string;
  readonly version: TokenVersion;
  readonly scp: readonly string[];
  /** The scopes granted, in the form they were asked for (MSAL.js caches the token under these). */
  readonly grantedScopes: readonly string[];
  /** The app roles of the user go into tokens of this resource. */
  readonly carriesAppRoles: boolean;
}

export interface ResolvedScopes {
  /** The OpenID Connect scopes asked for, lower-cased. */
  readonly oidc: readonly string[];
  /** One grant per resource named, in the order first named; Microsoft Graph's `User.Read` when none is. */
  readonly resources: readonly ResourceGrant[];
}

export interface ScopeContext {
  readonly clientId: string;
  readonly clientName: string;
  readonly tenantId: string;
}

export function resolveScopes(scope: string, context: ScopeContext): ResolvedScopes | EntraError {
  const oidc: string[] = [];
  const playground: string[] = [];
  const graph: string[] = [];
  const order: ResourceGrant['resource'][] = [];
  for (const requested of scope.split(/\s+/).filter((part) => part.length > 0)) {
    if (OIDC_SCOPES.has(requested.toLowerCase())) {
      if (!oidc.includes(requested.toLowerCase())) oidc.push(requested.toLowerCase());
      continue;
    }
    const slash = requested.lastIndexOf('/');
    const resource = slash < 0 ? 'https://graph.microsoft.com' : requested.slice(0, slash).replace(/\/+$/, '');
    const permission = slash < 0 ? requested : requested.slice(slash + 1);
    if (PLAYGROUND_RESOURCE.identifiers.some((identifier) => identifier.toLowerCase() === resource.toLowerCase())) {
      if (permission !== '.default' && !PLAYGROUND_RESOURCE.delegatedScopes.some((exposed) => exposed.toLowerCase() === permission.toLowerCase())) {
        return entraError(
          'invalid_client',
          650053,
          `The application '${context.clientName}' asked for scope '${permission}' that doesn't exist on the resource '${PLAYGROUND_RESOURCE.clientId}'. Contact the app vendor.`,
        );
      }
      // `.default` stands for what is consented: the API's one delegated scope.
      for (const exposed of PLAYGROUND_RESOURCE.delegatedScopes) {
        const granted = `${resource}/${exposed}`;
        if (!playground.includes(granted)) playground.push(granted);
      }
      if (!order.includes('playground-api')) order.push('playground-api');
      continue;
    }
    if (GRAPH_IDENTIFIERS.has(resource.toLowerCase())) {
      if (permission !== '.default' && permission.toLowerCase() !== GRAPH_CONSENTED.toLowerCase()) {
        return entraError(
          'consent_required',
          65001,
          `The user or administrator has not consented to use the application with ID '${context.clientId}' named '${context.clientName}'. Send an interactive authorization request for this user and resource. (The playground consents to Microsoft Graph's User.Read only; '${requested}' was asked for.)`,
        );
      }
      const granted = slash < 0 ? GRAPH_CONSENTED : `${resource}/${GRAPH_CONSENTED}`;
      if (!graph.includes(granted)) graph.push(granted);
      if (!order.includes('microsoft-graph')) order.push('microsoft-graph');
      continue;
    }
    return entraError(
      'invalid_resource',
      500011,
      `The resource principal named ${resource} was not found in the tenant named ${context.tenantId}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
    );
  }
  if (order.length === 0) {
    order.push('microsoft-graph');
    graph.push(GRAPH_CONSENTED);
  }
  const resources = order.map((resource): ResourceGrant => {
    if (resource === 'playground-api') {
      return { resource, audience: PLAYGROUND_RESOURCE.clientId, version: 2, scp: [...PLAYGROUND_RESOURCE.delegatedScopes], grantedScopes: playground, carriesAppRoles: true };
    }
    // Graph's tokens are v1.0 tokens for its app ID; their scp lists the OpenID Connect scopes consented with User.Read.
    const scp = [...oidc.filter((name) => name !== 'offline_access'), GRAPH_CONSENTED];
    return { resource, audience: GRAPH_APP_ID, version: 1, scp, grantedScopes: [...oidc.filter((name) => name !== 'offline_access'), ...graph], carriesAppRoles: false };
  });
  return { oidc, resources };
}

export function isEntraError(value: ResolvedScopes | EntraError): value is EntraError {
  return 'error' in value;
}

/** AADSTS700022: a token request may name one resource only. */
export function multipleResources(): EntraError {
  return entraError('invalid_scope', 700022, "The provided value for the input parameter scope is not valid because it contains more than one resource. Scope must name a single resource's permissions.");
}
