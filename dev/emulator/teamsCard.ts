/**
 * How Teams would show a Workflows message's Adaptive Card, for the Teams sink: what Microsoft's Adaptive Cards
 * library refuses in it, the text a reader sees, and every live link a reader could click.
 *
 * Sources: the card is parsed by `adaptivecards` (Microsoft's renderer library) at the version the card declares;
 * Teams renders Markdown — including `[text](url)` links — in a TextBlock's text and a Fact's title and value, and
 * nowhere else (learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/cards-format); RichTextBlock
 * does not support Markdown (learn.microsoft.com/adaptive-cards/authoring-cards/text-features); Teams renders cards
 * up to version 1.5 (learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/cards-reference).
 */
import { createRequire } from 'node:module';

export interface TeamsLink {
  /** What the reader sees. */
  readonly text: string;
  readonly url: string;
}

export interface TeamsCardView {
  /** What Teams would refuse or drop: unknown elements, invalid values, missing properties, a version it does not render. */
  readonly problems: readonly string[];
  /** Each text-bearing element's text in reading order (a RichTextBlock's runs joined, a fact as `title: value`). */
  readonly texts: readonly string[];
  /** Every link a reader can click: Markdown links where Teams renders Markdown, OpenUrl actions and select actions. */
  readonly links: readonly TeamsLink[];
}

const HIGHEST_VERSION_TEAMS_RENDERS = 1.5;
const MARKDOWN_LINK = /\[([^\]]*)\]\(\s*([^)\s]+)[^)]*\)/gu;

interface AdaptiveCardsLibrary {
  AdaptiveCard: new () => { parse(json: unknown, context: unknown): void; validateProperties(): { validationEvents: { message: string }[] } };
  SerializationContext: new () => { readonly eventCount: number; getEventAt(index: number): { message: string } };
}

let library: AdaptiveCardsLibrary | undefined;

/** The library's bundle: its ES module build does not load in Node (extensionless imports). */
function adaptiveCards(): AdaptiveCardsLibrary {
  if (library === undefined) {
    const loaded: unknown = createRequire(import.meta.url)('adaptivecards/dist/adaptivecards.js');
    if (!isAdaptiveCardsLibrary(loaded)) throw new Error('adaptivecards/dist/adaptivecards.js does not export AdaptiveCard and SerializationContext');
    library = loaded;
  }
  return library;
}

function isAdaptiveCardsLibrary(value: unknown): value is AdaptiveCardsLibrary {
  return typeof value === 'object' && value !== null && typeof Reflect.get(value, 'AdaptiveCard') === 'function' && typeof Reflect.get(value, 'SerializationContext') === 'function';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringOf(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function libraryProblems(card: unknown): string[] {
  const { AdaptiveCard, SerializationContext } = adaptiveCards();
  const parsed = new AdaptiveCard();
  const context = new SerializationContext();
  parsed.parse(card, context);
  const problems = Array.from({ length: context.eventCount }, (_, index) => context.getEventAt(index).message);
  return [...problems, ...parsed.validateProperties().validationEvents.map((event) => event.message)];
}

function markdownLinks(text: string): TeamsLink[] {
  return [...text.matchAll(MARKDOWN_LINK)].map((match) => ({ text: match[1] ?? '', url: match[2] ?? '' }));
}

function actionLinks(action: unknown, text: string): TeamsLink[] {
  return isRecord(action) && action['type'] === 'Action.OpenUrl' ? [{ text: stringOf(action['title']) || text, url: stringOf(action['url']) }] : [];
}

/** Walks the card in reading order, collecting texts and links. */
function walk(node: unknown, view: { texts: string[]; links: TeamsLink[] }): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, view);
    return;
  }
  if (!isRecord(node)) return;
  switch (node['type']) {
    case 'TextBlock': {
      const text = stringOf(node['text']);
      view.texts.push(text);
      view.links.push(...markdownLinks(text));
      break;
    }
    case 'RichTextBlock': {
      const inlines = Array.isArray(node['inlines']) ? node['inlines'] : [];
      view.texts.push(inlines.map((inline) => (typeof inline === 'string' ? inline : isRecord(inline) ? stringOf(inline['text']) : '')).join(''));
      for (const inline of inlines) if (isRecord(inline)) view.links.push(...actionLinks(inline['selectAction'], stringOf(inline['text'])));
      break;
    }
    case 'FactSet': {
      for (const fact of Array.isArray(node['facts']) ? node['facts'] : []) {
        if (!isRecord(fact)) continue;
        const [title, value] = [stringOf(fact['title']), stringOf(fact['value'])];
        view.texts.push(`${title}: ${value}`);
        view.links.push(...markdownLinks(title), ...markdownLinks(value));
      }
      break;
    }
    default:
      view.links.push(...actionLinks(node, ''));
  }
  if (node['type'] !== 'RichTextBlock') view.links.push(...actionLinks(node['selectAction'], ''));
  for (const key of ['body', 'items', 'columns', 'actions', 'card']) walk(node[key], view);
}

/** The view of a Workflows message (`{type: 'message', attachments: [{content: card}]}`) or of a bare card. */
export function teamsCardView(message: unknown): TeamsCardView {
  const attachments = isRecord(message) && Array.isArray(message['attachments']) ? message['attachments'] : [];
  const cards = attachments.length > 0 ? attachments.map((attachment) => (isRecord(attachment) ? attachment['content'] : undefined)) : [message];
  const view = { problems: [] as string[], texts: [] as string[], links: [] as TeamsLink[] };
  for (const card of cards) {
    if (!isRecord(card) || card['type'] !== 'AdaptiveCard') {
      view.problems.push('the attachment is not an Adaptive Card');
      continue;
    }
    const version = Number.parseFloat(stringOf(card['version']));
    if (!(version <= HIGHEST_VERSION_TEAMS_RENDERS)) view.problems.push(`version ${stringOf(card['version']) || '(none)'}: Teams renders Adaptive Cards up to ${HIGHEST_VERSION_TEAMS_RENDERS}`);
    view.problems.push(...libraryProblems(card));
    walk(card, view);
  }
  return view;
}
