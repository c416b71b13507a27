/**
 * The authorization endpoint of the playground's identity provider, for single-page applications signing in with
 * MSAL.js (`@azure/msal-browser`: authorization code flow with PKCE), shaped as Entra ID's v2.0 endpoint
 * (MicrosoftDocs/entra-docs `docs/identity-platform/v2-oauth2-auth-code-flow.md`, "Request an authorization code";
 * `v2-protocols-oidc.md`, "Send the sign-in request"):
 *
 * - `GET|POST /idp/{tenant}/oauth2/v2.0/authorize` with `client_id`, `response_type=code`, `redirect_uri`, `scope`,
 *   `state`, `nonce`, `code_challenge` (+ `code_challenge_method`), `response_mode` (`query`, the default, `fragment`,
 *   MSAL.js's choice, or `form_post`), `prompt`, `login_hint`, `client_info=1`; MSAL.js's telemetry parameters are
 *   ignored. A request whose client or redirect URI is not registered gets Entra's error page (the redirect URI cannot
 *   be trusted with the answer); any later error goes back to the redirect URI as `error`, `error_description` and
 *   `state`, in the response mode asked for. Single-page apps must use PKCE (AADSTS9002325).
 * - In place of Entra's sign-in page, an account picker: the playground's users with their app roles. Its form posts
 *   to `POST /idp/{tenant}/login`, which answers the redirect URI with `code`, `state` and `client_info` (MSAL.js
 *   builds the account's home id `{uid}.{utid}` from it), or `error=access_denied` when the person cancels.
 * - There is no single sign-on session: `prompt=none` always answers `login_required` (AADSTS50058), as Entra does
 *   for a browser with no session, and every interactive sign-in shows the picker.
 * - `GET|POST /idp/{tenant}/oauth2/v2.0/logout` (the discovery document's `end_session_endpoint`) sends the browser
 *   to `post_logout_redirect_uri` when it is a registered redirect URI, with `state`, else shows the signed-out page.
 */
import { randomBytes } from 'node:crypto';
import { findRegistration, findUser, isRegisteredRedirectUri, APP_REGISTRATIONS, PLAYGROUND_USERS } from './idpDirectory.js';
import { applicationNotFound, entraError, errorDescription, describeEntraError, missingParameter, newErrorTrace, tenantNotFound, type EntraError, type ErrorTrace } from './idpEntraErrors.js';
import { PKCE_VALUE, type AuthorizationRequest, type GrantStore, type ResponseMode } from './idpGrants.js';
import { formFieldsOf, htmlPage } from './idpHttp.js';
import { clientInfoOf, type LocalIdp } from './idpIssuer.js';
import { accountPickerPage, errorPage, formPostPage, signedOutPage } from './idpPages.js';
import { isEntraError, resolveScopes } from './idpScopes.js';
import type { EmulatorRequest, EmulatorResponse, Router } from './router.js';

const RESPONSE_MODES: readonly ResponseMode[] = ['query', 'fragment', 'form_post'];
/** `create` is Entra's fifth prompt value (self-service sign-up); the playground's picker serves it like the others. */
const PROMPTS = new Set(['login', 'none', 'consent', 'select_account', 'create']);

export function mountAuthorizationEndpoint(router: Router, idp: LocalIdp, grants: GrantStore): void {
  const tenant = '/idp/{tenantId}';
  const authorize = (request: EmulatorRequest): EmulatorResponse => startAuthorization(request, idp, grants);
  router.add('GET', `${tenant}/oauth2/v2.0/authorize`, authorize);
  router.add('POST', `${tenant}/oauth2/v2.0/authorize`, authorize);
  router.add('POST', `${tenant}/login`, (request) => completeSignIn(request, idp, grants));
  const logout = (request: EmulatorRequest): EmulatorResponse => signOut(request, idp);
  router.add('GET', `${tenant}/oauth2/v2.0/logout`, logout);
  router.add('POST', `${tenant}/oauth2/v2.0/logout`, logout);
}

/** The parameters of an authorization request: the query, and for a POST the form body too (Entra accepts both). */
function parametersOf(request: EmulatorRequest): Map<string, string> {
  const parameters = new Map<string, string>();
  for (const [name, value] of request.query) if (!parameters.has(name)) parameters.set(name, value);
  if (request.method === 'POST') for (const [name, value] of Object.entries(formFieldsOf(request))) parameters.set(name, value);
  return parameters;
}

function text(parameters: Map<string, string>, name: string): string | undefined {
  const value = parameters.get(name)?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function pageNonce(): string {
  return randomBytes(16).toString('base64');
}

function isOurTenant(request: EmulatorRequest, idp: LocalIdp): boolean {
  return (request.params['tenantId'] ?? '').toLowerCase() === idp.tenantId;
}

function errorPageResponse(failure: EntraError, trace: ErrorTrace): EmulatorResponse {
  const nonce = pageNonce();
  return htmlPage(400, errorPage({ message: describeEntraError(failure), traceId: trace.traceId, correlationId: trace.correlationId, timestamp: trace.timestamp, nonce }), nonce);
}

/** Sends the answer to the application's redirect URI in the response mode it asked for. */
function answerRedirectUri(redirectUri: string, mode: ResponseMode, answer: Readonly<Record<string, string>>): EmulatorResponse {
  const target = new URL(redirectUri);
  if (mode === 'form_post') {
    const nonce = pageNonce();
    return htmlPage(200, formPostPage(target.href, answer, nonce), nonce, [target.origin]);
  }
  if (mode === 'fragment') {
    target.hash = new URLSearchParams(answer).toString();
  } else {
    for (const [name, value] of Object.entries(answer)) target.searchParams.append(name, value);
  }
  return { status: 302, headers: { location: target.href, 'cache-control': 'no-store', pragma: 'no-cache' } };
}

function errorAnswer(failure: EntraError, trace: ErrorTrace, state: string | undefined): Record<string, string> {
  return { error: failure.error, error_description: errorDescription(failure, trace), ...(state === undefined ? {} : { state }) };
}

function startAuthorization(request: EmulatorRequest, idp: LocalIdp, grants: GrantStore): EmulatorResponse {
  const parameters = parametersOf(request);
  const trace = newErrorTrace(text(parameters, 'client-request-id'));
  if (!isOurTenant(request, idp)) return errorPageResponse(tenantNotFound(request.params['tenantId'] ?? ''), trace);

  // Until the client and its redirect URI are known good, errors are shown here, never sent anywhere.
  const clientId = text(parameters, 'client_id');
  if (clientId === undefined) return errorPageResponse(missingParameter('client_id'), trace);
  const registration = findRegistration(clientId);
  if (registration === undefined) return errorPageResponse(applicationNotFound('unauthorized_client', clientId, idp.tenantId), trace);
  const redirectUri = text(parameters, 'redirect_uri');
  if (redirectUri === undefined) return errorPageResponse(entraError('invalid_request', 900971, 'No reply address provided.'), trace);
  if (!isRegisteredRedirectUri(registration, redirectUri)) {
    return errorPageResponse(
      entraError(
        'invalid_request',
        50011,
        `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${registration.clientId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal.`,
      ),
      trace,
    );
  }

  const state = parameters.get('state');
  const requestedMode = text(parameters, 'response_mode');
  const responseMode = RESPONSE_MODES.find((mode) => mode === requestedMode);
  if (requestedMode !== undefined && responseMode === undefined) {
    return answerRedirectUri(redirectUri, 'query', errorAnswer(entraError('invalid_request', 70007, `The provided value '${requestedMode}' for the input parameter 'response_mode' is not supported: use 'query', 'fragment' or 'form_post'.`), trace, state));
  }
  const mode = responseMode ?? 'query';
  const fail = (failure: EntraError): EmulatorResponse => answerRedirectUri(redirectUri, mode, errorAnswer(failure, trace, state));

  const responseType = text(parameters, 'response_type');
  if (responseType === undefined) return fail(missingParameter('response_type'));
  if (responseType !== 'code') {
    // The playground's registration enables neither implicit grant (id_token, token) nor the hybrid flow.
    return fail(entraError('unsupported_response_type', 700054, `The provided value for the input parameter 'response_type' is not allowed for this client. Expected value is 'code'.`));
  }
  const scope = text(parameters, 'scope');
  if (scope === undefined) return fail(missingParameter('scope'));
  const scopes = resolveScopes(scope, { clientId: registration.clientId, clientName: registration.displayName, tenantId: idp.tenantId });
  if (isEntraError(scopes)) return fail(scopes);

  const codeChallenge = text(parameters, 'code_challenge');
  if (codeChallenge === undefined) return fail(entraError('invalid_request', 9002325, 'Proof Key for Code Exchange is required for cross-origin authorization code redemption.'));
  const method = text(parameters, 'code_challenge_method') ?? 'plain';
  if (method !== 'S256' && method !== 'plain') {
    return fail(entraError('invalid_request', 9002313, `Invalid request. Request is malformed or invalid. The parameter 'code_challenge_method' must be 'S256' or 'plain', not '${method}'.`));
  }
  if (!PKCE_VALUE.test(codeChallenge)) return fail(entraError('invalid_request', 501491, 'Invalid size of Code_Challenge parameter.'));

  const prompt = text(parameters, 'prompt');
  if (prompt !== undefined && !PROMPTS.has(prompt)) {
    return fail(entraError('invalid_request', 9002313, `Invalid request. Request is malformed or invalid. The parameter 'prompt' must be one of login, none, consent, select_account or create, not '${prompt}'.`));
  }
  if (prompt === 'none') {
    return fail(entraError('login_required', 50058, 'A silent sign-in request was sent but no user is signed in. The playground keeps no sign-in session: sign in interactively.'));
  }

  const nonce = text(parameters, 'nonce');
  const loginHint = text(parameters, 'login_hint');
  const authorization: AuthorizationRequest = {
    clientId: registration.clientId,
    redirectUri,
    responseMode: mode,
    scope,
    ...(state === undefined ? {} : { state }),
    ...(nonce === undefined ? {} : { nonce }),
    codeChallenge,
    codeChallengeMethod: method,
    ...(loginHint === undefined ? {} : { loginHint }),
    clientInfo: text(parameters, 'client_info') === '1',
  };
  const signInKey = grants.startSignIn(authorization);
  const pageKey = pageNonce();
  const html = accountPickerPage({
    appName: registration.displayName,
    tenantId: idp.tenantId,
    users: PLAYGROUND_USERS,
    action: `${idp.authority}/${idp.tenantId}/login`,
    signInKey,
    ...(loginHint === undefined ? {} : { loginHint }),
    nonce: pageKey,
  });
  // The picker's form is answered with a redirect to the application, which form-action must allow too.
  return htmlPage(200, html, pageKey, [new URL(redirectUri).origin]);
}

function completeSignIn(request: EmulatorRequest, idp: LocalIdp, grants: GrantStore): EmulatorResponse {
  const fields = formFieldsOf(request);
  const trace = newErrorTrace(undefined);
  if (!isOurTenant(request, idp)) return errorPageResponse(tenantNotFound(request.params['tenantId'] ?? ''), trace);
  const signInKey = fields['ctx'];
  const authorization = signInKey === undefined ? undefined : grants.finishSignIn(signInKey);
  if (authorization === undefined) {
    return errorPageResponse(
      entraError('invalid_request', 50089, 'Authentication failed due to flow token expired. Go back to the application and sign in again (the sign-in is unknown, expired or already completed).'),
      trace,
    );
  }
  const state = authorization.state;
  if (fields['cancel'] !== undefined) {
    return answerRedirectUri(authorization.redirectUri, authorization.responseMode, errorAnswer(entraError('access_denied', 65004, 'User declined to consent to access the app.'), trace, state));
  }
  const login = fields['login'];
  if (login === undefined) return errorPageResponse(missingParameter('login'), trace);
  const user = findUser(login);
  if (user === undefined) {
    return errorPageResponse(
      entraError('invalid_request', 50034, `The user account ${login} does not exist in the '${idp.tenantId}' directory. To sign into this application, the account must be added to the directory.`),
      trace,
    );
  }
  const code = grants.issueCode(authorization, user);
  return answerRedirectUri(authorization.redirectUri, authorization.responseMode, {
    code,
    ...(authorization.clientInfo ? { client_info: clientInfoOf(user.userPrincipalName, idp.tenantId) } : {}),
    ...(state === undefined ? {} : { state }),
  });
}

function signOut(request: EmulatorRequest, idp: LocalIdp): EmulatorResponse {
  const parameters = parametersOf(request);
  if (!isOurTenant(request, idp)) return errorPageResponse(tenantNotFound(request.params['tenantId'] ?? ''), newErrorTrace(undefined));
  const target = text(parameters, 'post_logout_redirect_uri');
  const clientId = text(parameters, 'client_id');
  const registrations = clientId === undefined ? APP_REGISTRATIONS : [findRegistration(clientId)].filter((found) => found !== undefined);
  if (target !== undefined && registrations.some((registration) => isRegisteredRedirectUri(registration, target))) {
    const state = parameters.get('state');
    const location = new URL(target);
    if (state !== undefined) location.searchParams.append('state', state);
    return { status: 302, headers: { location: location.href, 'cache-control': 'no-store' } };
  }
  const nonce = pageNonce();
  return htmlPage(200, signedOutPage(nonce), nonce);
}
