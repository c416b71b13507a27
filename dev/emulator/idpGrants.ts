/**
 * What the local identity provider remembers between the legs of the authorization code flow, in memory (the
 * emulator's state is lost with it, like its signing key): sign-ins waiting for the user to pick an account,
 * authorization codes and refresh tokens. Lifetimes are Entra ID's (MicrosoftDocs/entra-docs
 * `docs/identity-platform/v2-oauth2-auth-code-flow.md`): codes "expire after about 10 minutes" and are redeemed once;
 * a refresh token sent to a `spa` redirect URI "expires after 24 hours", and those it is exchanged for carry the same
 * expiry. Proof Key for Code Exchange is RFC 7636: `S256` compares BASE64URL(SHA256(code_verifier)), `plain` the
 * verifier itself.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { DirectoryUser } from './idpDirectory.js';

export const CODE_LIFETIME_MS = 10 * 60 * 1000;
export const SPA_REFRESH_TOKEN_LIFETIME_MS = 24 * 60 * 60 * 1000;
/** How long the account picker may stay open before its sign-in is forgotten. */
export const SIGN_IN_LIFETIME_MS = 60 * 60 * 1000;
/** Bounds each store, so a long-running playground does not grow without end. */
const MAX_ENTRIES = 10_000;

export type ResponseMode = 'query' | 'fragment' | 'form_post';
export type CodeChallengeMethod = 'S256' | 'plain';

/** An authorization request whose client and redirect URI were found valid. */
export interface AuthorizationRequest {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly responseMode: ResponseMode;
  readonly scope: string;
  readonly state?: string;
  readonly nonce?: string;
  readonly codeChallenge: string;
  readonly codeChallengeMethod: CodeChallengeMethod;
  readonly loginHint?: string;
  /** `client_info=1` asks for the `client_info` parameter (`{uid, utid}`) in the answers, as MSAL.js does. */
  readonly clientInfo: boolean;
}

/** Who signed in, to which application, for which scopes. */
export interface SignedInGrant {
  readonly clientId: string;
  readonly user: DirectoryUser;
  /** The scopes of the authorization request: what the user consented to. */
  readonly scope: string;
  /** When the user signed in (milliseconds): a single-page app's refresh tokens expire 24 hours after it. */
  readonly signedInAt: number;
}

export type CodeRedemption =
  | { readonly outcome: 'unknown' }
  | { readonly outcome: 'expired' }
  | { readonly outcome: 'redeemed' }
  | { readonly outcome: 'valid'; readonly request: AuthorizationRequest; readonly grant: SignedInGrant; redeem(): void };

interface IssuedCode {
  readonly request: AuthorizationRequest;
  readonly grant: SignedInGrant;
  readonly expiresAt: number;
  redeemed: boolean;
}

interface PendingSignIn {
  readonly request: AuthorizationRequest;
  readonly expiresAt: number;
}

export class GrantStore {
  readonly #now: () => number;
  readonly #signIns = new Map<string, PendingSignIn>();
  readonly #codes = new Map<string, IssuedCode>();
  readonly #refreshTokens = new Map<string, SignedInGrant>();

  constructor(now: () => number) {
    this.#now = now;
  }

  /** Remembers a valid authorization request while the user picks an account; the key goes into the picker's form. */
  startSignIn(request: AuthorizationRequest): string {
    const key = opaque();
    prune(this.#signIns, (entry) => entry.expiresAt <= this.#now());
    this.#signIns.set(key, { request, expiresAt: this.#now() + SIGN_IN_LIFETIME_MS });
    return key;
  }

  /** The sign-in a picker's form names, once: a second submission of the same form finds nothing. */
  finishSignIn(key: string): AuthorizationRequest | undefined {
    const pending = this.#signIns.get(key);
    this.#signIns.delete(key);
    return pending !== undefined && pending.expiresAt > this.#now() ? pending.request : undefined;
  }

  issueCode(request: AuthorizationRequest, user: DirectoryUser): string {
    const code = opaque();
    const now = this.#now();
    prune(this.#codes, (entry) => entry.expiresAt <= now);
    this.#codes.set(code, { request, grant: { clientId: request.clientId, user, scope: request.scope, signedInAt: now }, expiresAt: now + CODE_LIFETIME_MS, redeemed: false });
    return code;
  }

  /** Looks a code up; the caller checks the rest of the request and then calls `redeem()`, so a refused attempt spends nothing. */
  takeCode(code: string): CodeRedemption {
    const issued = this.#codes.get(code);
    if (issued === undefined) return { outcome: 'unknown' };
    if (issued.redeemed) return { outcome: 'redeemed' };
    if (issued.expiresAt <= this.#now()) return { outcome: 'expired' };
    return {
      outcome: 'valid',
      request: issued.request,
      grant: issued.grant,
      redeem: () => {
        issued.redeemed = true;
      },
    };
  }

  issueRefreshToken(grant: SignedInGrant): string {
    const token = opaque();
    const now = this.#now();
    prune(this.#refreshTokens, (entry) => entry.signedInAt + SPA_REFRESH_TOKEN_LIFETIME_MS <= now);
    this.#refreshTokens.set(token, grant);
    return token;
  }

  /** The grant a refresh token carries, expired or not (the caller reports expiry as Entra does). */
  refreshGrant(token: string): SignedInGrant | undefined {
    return this.#refreshTokens.get(token);
  }
}

/** RFC 7636 §4.6: does the verifier answer the challenge? */
export function verifierMatches(verifier: string, challenge: string, method: CodeChallengeMethod): boolean {
  const expected = method === 'S256' ? createHash('sha256').update(verifier, 'ascii').digest('base64url') : verifier;
  const a = Buffer.from(expected);
  const b = Buffer.from(challenge);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** RFC 7636 §4.1 and §4.2: 43 to 128 characters of `[A-Za-z0-9-._~]`, for verifiers and challenges alike. */
export const PKCE_VALUE = /^[A-Za-z0-9\-._~]{43,128}$/;

function opaque(): string {
  return randomBytes(32).toString('base64url');
}

/** Drops expired entries, then the oldest while over the bound (Maps keep insertion order). */
function prune<T>(entries: Map<string, T>, expired: (entry: T) => boolean): void {
  for (const [key, entry] of entries) if (expired(entry)) entries.delete(key);
  for (const key of entries.keys()) {
    if (entries.size < MAX_ENTRIES) break;
    entries.delete(key);
  }
}
