/**
 * The token endpoint of the playground's identity provider for single-page applications, as Entra ID's v2.0 endpoint
 * answers MSAL.js (MicrosoftDocs/entra-docs `docs/identity-platform/v2-oauth2-auth-code-flow.md`, "Redeem a code for
 * an access token", "Refresh the access token", "Redirect URIs for single-page apps"):
 *
 * `POST /idp/{tenant}/oauth2/v2.0/token`, form-encoded:
 * - `grant_type=authorization_code` with `client_id`, `code`, `redirect_uri`, `code_verifier` and optionally `scope`:
 *   the code must be this client's, unexpired (10 minutes) and unredeemed, the redirect URI the one it was issued to,
 *   and the verifier must answer the PKCE challenge;
 * - `grant_type=refresh_token` with `client_id`, `refresh_token` and optionally `scope`: a single-page app's refresh
 *   token lasts 24 hours from the sign-in, and the ones it is exchanged for keep that expiry (AADSTS700084);
 * - the answer: `token_type`, `scope`, `expires_in`, `ext_expires_in`, `access_token`, `refresh_token` when
 *   `offline_access` was consented to, `id_token` (with the request's `nonce`) when `openid` was, and `client_info`
 *   when `client_info=1` is sent, as MSAL.js does (`ResponseHandler` builds the account's home id from it);
 * - codes and refresh tokens sent to a `spa` redirect URI are redeemed only cross-origin, that is with an `Origin`
 *   header (AADSTS9002327), and the answers carry `Access-Control-Allow-Origin` for it; a public client presents no
 *   secret (AADSTS700025). MSAL.js may add `X-AnchorMailbox`, so the browser sends a CORS preflight first: `OPTIONS`
 *   allows it.
 *
 * The access token for the playground API is the one the app's own `BearerValidator` accepts: v2.0, `aud` the API's
 * client ID, `scp` `access_as_user`, the user's app roles in `roles`. Client credentials stay at `/idp/token`.
 */
import { findRegistration } from './idpDirectory.js';
import {
  applicationNotFound,
  entraError,
  missingParameter,
  newErrorTrace,
  tenantNotFound,
  tokenEndpointError,
  type EntraError,
  type ErrorTrace,
} from './idpEntraErrors.js';
import { SPA_REFRESH_TOKEN_LIFETIME_MS, verifierMatches, type GrantStore, type SignedInGrant } from './idpGrants.js';
import { corsHeadersFor, formFieldsOf, originOf, preflightResponse } from './idpHttp.js';
import { PLAYGROUND_API, TOKEN_LIFETIME_SECONDS, clientInfoOf, type LocalIdp } from './idpIssuer.js';
import { isEntraError, multipleResources, resolveScopes, type ResourceGrant, type ResolvedScopes } from './idpScopes.js';
import type { EmulatorRequest, EmulatorResponse, Router } from './router.js';

export function mountTokenEndpoint(router: Router, idp: LocalIdp, grants: GrantStore): void {
  const path = '/idp/{tenantId}/oauth2/v2.0/token';
  router.add('OPTIONS', path, (request) => preflightResponse(request, ['POST', 'OPTIONS']));
  router.add('GET', path, (request) =>
    tokenEndpointError(entraError('invalid_request', 900561, 'The endpoint only accepts POST, OPTIONS requests. Received a GET request.'), newErrorTrace(undefined), corsHeadersFor(originOf(request))),
  );
  router.add('POST', path, (request) => new TokenRequest(request, idp, grants).answer());
}

const SPA_ONLY_CROSS_ORIGIN = entraError('invalid_request', 9002327, "Tokens issued for the 'Single-Page Application' client-type may only be redeemed via cross-origin requests.");

/** One call of the token endpoint: its form, its origin, and the trace its errors carry. */
class TokenRequest {
  readonly #request: EmulatorRequest;
  readonly #idp: LocalIdp;
  readonly #grants: GrantStore;
  readonly #fields: Record<string, string>;
  readonly #origin: string | undefined;
  readonly #trace: ErrorTrace;

  constructor(request: EmulatorRequest, idp: LocalIdp, grants: GrantStore) {
    this.#request = request;
    this.#idp = idp;
    this.#grants = grants;
    this.#fields = formFieldsOf(request);
    this.#origin = originOf(request);
    // MSAL.js sends its correlation id as the `client-request-id` query parameter; Entra echoes it in errors.
    const header = request.headers['client-request-id'];
    this.#trace = newErrorTrace(request.query.get('client-request-id') ?? (typeof header === 'string' ? header : undefined));
  }

  #field(name: string): string | undefined {
    const value = this.#fields[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  #fail(failure: EntraError): EmulatorResponse {
    return tokenEndpointError(failure, this.#trace, corsHeadersFor(this.#origin));
  }

  async answer(): Promise<EmulatorResponse> {
    const tenant = this.#request.params['tenantId'] ?? '';
    if (tenant.toLowerCase() !== this.#idp.tenantId) return this.#fail(tenantNotFound(tenant));
    const grantType = this.#field('grant_type');
    if (grantType === undefined) return this.#fail(missingParameter('grant_type'));
    const clientId = this.#field('client_id');
    if (clientId === undefined) return this.#fail(missingParameter('client_id'));
    const registration = findRegistration(clientId);
    if (registration === undefined) return this.#fail(applicationNotFound('unauthorized_client', clientId, this.#idp.tenantId));
    if (this.#field('client_secret') !== undefined || this.#field('client_assertion') !== undefined) {
      return this.#fail(entraError('invalid_client', 700025, "Client is public so neither 'client_assertion' nor 'client_secret' should be presented."));
    }
    if (grantType === 'authorization_code') return this.#redeemCode(registration.clientId, registration.displayName);
    if (grantType === 'refresh_token') return this.#refresh(registration.clientId, registration.displayName);
    return this.#fail(entraError('unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType}'. The playground's token endpoint takes authorization_code and refresh_token; client credentials go to /idp/token.`));
  }

  async #redeemCode(clientId: string, clientName: string): Promise<EmulatorResponse> {
    const code = this.#field('code');
    if (code === undefined) return this.#fail(missingParameter('code'));
    const redirectUri = this.#field('redirect_uri');
    if (redirectUri === undefined) return this.#fail(missingParameter('redirect_uri'));
    const found = this.#grants.takeCode(code);
    if (found.outcome === 'unknown') return this.#fail(entraError('invalid_grant', 70000, "The provided value for the 'code' parameter is not valid."));
    if (found.outcome === 'redeemed') return this.#fail(entraError('invalid_grant', 54005, 'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.'));
    if (found.outcome === 'expired') {
      return this.#fail(entraError('invalid_grant', 70008, 'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.'));
    }
    if (found.request.clientId !== clientId) {
      return this.#fail(entraError('invalid_grant', 70000, "The provided value for the 'code' parameter is not valid. It was issued to another application."));
    }
    if (redirectUri !== found.request.redirectUri) {
      return this.#fail(entraError('invalid_grant', 50011, `The reply address '${redirectUri}' does not match the reply address '${found.request.redirectUri}' provided when requesting Authorization code.`));
    }
    if (this.#origin === undefined) return this.#fail(SPA_ONLY_CROSS_ORIGIN);
    const verifier = this.#field('code_verifier');
    if (verifier === undefined) return this.#fail(missingParameter('code_verifier'));
    if (!verifierMatches(verifier, found.request.codeChallenge, found.request.codeChallengeMethod)) {
      return this.#fail(entraError('invalid_grant', 501481, 'The Code_Verifier does not match the code_challenge supplied in the authorization request.'));
    }
    const resource = this.#resourceOf(found.grant, clientId, clientName);
    if ('error' in resource) return this.#fail(resource);
    found.redeem();
    return this.#issue(found.grant, resource.grant, resource.consented, found.request.nonce);
  }

  async #refresh(clientId: string, clientName: string): Promise<EmulatorResponse> {
    const token = this.#field('refresh_token');
    if (token === undefined) return this.#fail(missingParameter('refresh_token'));
    const grant = this.#grants.refreshGrant(token);
    if (grant === undefined) return this.#fail(entraError('invalid_grant', 70000, 'Authentication failed. The refresh token is not valid.'));
    if (grant.clientId !== clientId) return this.#fail(entraError('invalid_grant', 70000, 'Authentication failed. The refresh token is not valid: it was issued to another application.'));
    if (grant.signedInAt + SPA_REFRESH_TOKEN_LIFETIME_MS <= this.#idp.now()) {
      return this.#fail(
        entraError(
          'invalid_grant',
          700084,
          `The refresh token was issued to a single page app (SPA), and therefore has a fixed, limited lifetime of 1.00:00:00, which cannot be extended. It is now expired and a new sign in request must be sent by the SPA to the sign in page. The token was issued on ${new Date(grant.signedInAt).toISOString()}.`,
        ),
      );
    }
    if (this.#origin === undefined) return this.#fail(SPA_ONLY_CROSS_ORIGIN);
    const resource = this.#resourceOf(grant, clientId, clientName);
    if ('error' in resource) return this.#fail(resource);
    return this.#issue(grant, resource.grant, resource.consented, undefined);
  }

  /**
   * The one resource the token is for: the request's `scope` when it has one (which must name a single resource), else
   * the first resource of the scopes signed in with. OpenID Connect scopes count as consented at sign-in.
   */
  #resourceOf(grant: SignedInGrant, clientId: string, clientName: string): { grant: ResourceGrant; consented: ResolvedScopes } | EntraError {
    const context = { clientId, clientName, tenantId: this.#idp.tenantId };
    const consented = resolveScopes(grant.scope, context);
    if (isEntraError(consented)) return consented;
    const requestedScope = this.#field('scope');
    const requested = requestedScope === undefined ? consented : resolveScopes(requestedScope, context);
    if (isEntraError(requested)) return requested;
    if (requestedScope !== undefined && requested.resources.length > 1) return multipleResources();
    const [first] = requested.resources;
    if (first === undefined) return entraError('invalid_scope', 70011, "The provided value for the input parameter 'scope' is not valid.");
    return { grant: first, consented };
  }

  async #issue(grant: SignedInGrant, resource: ResourceGrant, consented: ResolvedScopes, nonce: string | undefined): Promise<EmulatorResponse> {
    const user = grant.user.userPrincipalName;
    const accessToken = await this.#idp.mintAccessToken({
      audience: resource.audience,
      version: resource.version,
      user,
      clientId: grant.clientId,
      scopes: resource.scp,
      roles: resource.carriesAppRoles ? grant.user.appRoles : [],
      publicClient: true,
    });
    const oidc = new Set(consented.oidc);
    const idToken = oidc.has('openid')
      ? await this.#idp.mintIdToken({
          clientId: grant.clientId,
          user,
          scopes: [...oidc],
          ...(nonce === undefined ? {} : { nonce }),
          // The console's registration is the API's own, so its users' app roles are roles on the signed-in app too.
          ...(grant.clientId === PLAYGROUND_API.clientId ? { roles: grant.user.appRoles } : {}),
        })
      : undefined;
    const refreshToken = oidc.has('offline_access') ? this.#grants.issueRefreshToken(grant) : undefined;
    return {
      status: 200,
      headers: { 'cache-control': 'no-store', pragma: 'no-cache', ...corsHeadersFor(this.#origin) },
      body: {
        token_type: 'Bearer',
        scope: resource.grantedScopes.join(' '),
        expires_in: TOKEN_LIFETIME_SECONDS,
        ext_expires_in: TOKEN_LIFETIME_SECONDS,
        access_token: accessToken,
        ...(refreshToken === undefined ? {} : { refresh_token: refreshToken }),
        ...(idToken === undefined ? {} : { id_token: idToken }),
        ...(this.#field('client_info') === '1'
          ? { client_info: clientInfoOf(user, this.#idp.tenantId) }
          : {}),
      },
    };
  }
}
