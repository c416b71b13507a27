/**
 * Sign-in with MSAL.js: the authorization code flow with PKCE against the tenant's authority (Entra ID, or locally the
 * playground's identity provider, which speaks the same protocol), by full-page redirect. The console asks for one
 * delegated scope of the API and sends the access token it gets as `Authorization: Bearer`.
 *
 * Tokens are kept in local storage, so every tab of the console (a link from Teams opens one) is signed in.
 */
import {
  InteractionRequiredAuthError,
  PublicClientApplication,
  type AccountInfo,
  type AuthenticationResult,
} from '@azure/msal-browser';
import type { ConsoleConfig } from './schemas.js';

export interface SignedInUser {
  /** The user's object id in the tenant: what the API records as `requestedById`. */
  readonly id: string;
  readonly username: string;
  readonly name: string;
}

export interface Session {
  readonly user: SignedInUser | undefined;
  /** An access token for the API; starts a sign-in (leaving the page) when none can be had silently. */
  accessToken(): Promise<string>;
  signIn(): Promise<void>;
  /** Forgets this browser's tokens and signs out at the authority; the next sign-in shows the account picker. */
  signOut(): Promise<void>;
}

/** The console's own address: where the authority sends the browser back with the code (the SPA's redirect URI). */
export function consoleHomeUrl(): string {
  return new URL('./', document.baseURI).href;
}

function userOf(account: AccountInfo | null): SignedInUser | undefined {
  if (account === null) return undefined;
  // Entra ID's home account id is `{oid}.{tid}`; localAccountId is the oid in the authority's tenant.
  const claims = account.idTokenClaims ?? {};
  const oid = typeof claims['oid'] === 'string' ? claims['oid'] : account.localAccountId;
  return { id: oid, username: account.username, name: account.name ?? account.username };
}

/** The browser is on its way to the authority: nothing on this page waits for an answer any more. */
function leavingThePage(): Promise<never> {
  return new Promise<never>(() => undefined);
}

export async function startSession(config: ConsoleConfig): Promise<Session> {
  const msal = new PublicClientApplication({
    auth: {
      clientId: config.clientId,
      authority: config.authority,
      knownAuthorities: [...config.knownAuthorities],
      redirectUri: consoleHomeUrl(),
      postLogoutRedirectUri: consoleHomeUrl(),
    },
    // Shared by the console's tabs (a link from Teams opens one), as MSAL.js keeps it: encrypted, its key in a session cookie.
    cache: { cacheLocation: 'localStorage' },
  });
  await msal.initialize();
  // Back from the authority: redeem the code, then return to the page the sign-in started from.
  const redirected: AuthenticationResult | null = await msal.handleRedirectPromise();
  if (redirected?.account) msal.setActiveAccount(redirected.account);
  if (msal.getActiveAccount() === null) {
    const [first] = msal.getAllAccounts();
    if (first !== undefined) msal.setActiveAccount(first);
  }
  const scopes = [config.apiScope];
  const startPage = (): string => window.location.href;

  return {
    user: userOf(msal.getActiveAccount()),
    async accessToken() {
      const account = msal.getActiveAccount();
      if (account === null) {
        await msal.loginRedirect({ scopes, redirectStartPage: startPage() });
        return leavingThePage();
      }
      try {
        return (await msal.acquireTokenSilent({ scopes, account })).accessToken;
      } catch (error) {
        if (!(error instanceof InteractionRequiredAuthError)) throw error;
        await msal.acquireTokenRedirect({ scopes, account, redirectStartPage: startPage() });
        return leavingThePage();
      }
    },
    async signIn() {
      await msal.loginRedirect({ scopes, prompt: 'select_account', redirectStartPage: startPage() });
    },
    async signOut() {
      // Signs out at the authority too (its end_session_endpoint), then comes back to the console's home.
      await msal.logoutRedirect({ account: msal.getActiveAccount(), postLogoutRedirectUri: consoleHomeUrl() });
    },
  };
}
