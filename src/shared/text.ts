/** Plain-text helpers for messages people read: sentences, paragraphs, cuts. */

/** Ends a sentence with a full stop unless it already ends with terminal punctuation (error texts often do not). */
export function sentence(text: string): string {
  const trimmed = text.trimEnd();
  return trimmed === '' || /[.!?…]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/**
 * Joins parts into readable text: each one ends as a sentence, empty ones are dropped. A part spanning several
 * lines (a stack trace) stays its own paragraph rather than running into the next sentence.
 */
export function joinSentences(parts: readonly (string | undefined)[]): string {
  const sentences = parts.filter((part): part is string => part !== undefined && part.trim() !== '').map((part) => sentence(part.trim()));
  return sentences.reduce((text, next, index) => {
    if (index === 0) return next;
    const previous = sentences[index - 1] ?? '';
    return `${text}${previous.includes('\n') || next.includes('\n') ? '\n\n' : ' '}${next}`;
  }, '');
}

/** Cuts text to `max` characters, marking the cut. */
export function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
