/**
 * Drives the playground identity provider's sign-in as a browser and MSAL.js would: a PKCE pair (RFC 7636, S256), the
 * account picker's form read from its HTML and submitted with the button a person pressed, and the answer read from
 * the redirect URI's fragment or query.
 */
import { createHash, randomBytes } from 'node:crypto';

export interface PkcePair {
  readonly verifier: string;
  readonly challenge: string;
}

/** A 43-character verifier and its S256 challenge, as MSAL.js makes them. */
export function pkcePair(): PkcePair {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export interface SubmitButton {
  readonly name: string;
  readonly value: string;
  /** The button's text: its accessible name. */
  readonly text: string;
  readonly attributes: Readonly<Record<string, string>>;
}

export interface HtmlForm {
  /** Absolute: resolved against the page's address. */
  readonly action: string;
  readonly method: string;
  readonly hiddenFields: Readonly<Record<string, string>>;
  readonly buttons: readonly SubmitButton[];
}

function decodeEntities(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39);/g, (_match, entity: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[entity] ?? '');
}

function attributesOf(tag: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const match of tag.matchAll(/([a-zA-Z][\w-]*)(?:="([^"]*)")?/g)) {
    const [, name, value] = match;
    if (name !== undefined) attributes[name.toLowerCase()] = decodeEntities(value ?? '');
  }
  return attributes;
}

/** The page's one form, as a browser would submit it. */
export function readForm(html: string, pageUrl: string): HtmlForm {
  const form = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(html);
  if (form === null) throw new Error(`the page has no form:\n${html}`);
  const formAttributes = attributesOf(form[1] ?? '');
  const content = form[2] ?? '';
  const hiddenFields: Record<string, string> = {};
  for (const input of content.matchAll(/<input\b([^>]*)>/gi)) {
    const attributes = attributesOf(input[1] ?? '');
    if (attributes['type'] === 'hidden' && attributes['name'] !== undefined) hiddenFields[attributes['name']] = attributes['value'] ?? '';
  }
  const buttons = [...content.matchAll(/<button\b([^>]*)>([\s\S]*?)<\/button>/gi)].map((button): SubmitButton => {
    const attributes = attributesOf(button[1] ?? '');
    const text = decodeEntities((button[2] ?? '').replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ').trim();
    return { name: attributes['name'] ?? '', value: attributes['value'] ?? '', text, attributes };
  });
  return { action: new URL(formAttributes['action'] ?? pageUrl, pageUrl).href, method: (formAttributes['method'] ?? 'get').toLowerCase(), hiddenFields, buttons };
}

/** The form body a browser sends when `button` is pressed: the hidden fields and the button's own name and value. */
export function submission(form: HtmlForm, button: SubmitButton): string {
  return new URLSearchParams({ ...form.hiddenFields, ...(button.name === '' ? {} : { [button.name]: button.value }) }).toString();
}

/** The authorization answer a redirect carries: in the fragment (MSAL.js's response mode) or else the query. */
export function answerOf(location: string): URLSearchParams {
  const url = new URL(location);
  return url.hash.length > 1 ? new URLSearchParams(url.hash.slice(1)) : url.searchParams;
}

/** The error page's message (`AADSTS…: …`), as a person reads it. */
export function errorPageMessage(html: string): string {
  const message = /<p\b[^>]*id="message"[^>]*>([\s\S]*?)<\/p>/.exec(html);
  if (message === null) throw new Error(`not the error page:\n${html}`);
  return decodeEntities((message[1] ?? '').replace(/<[^>]+>/g, ''));
}
