import type { Log } from '../../src/shared/log.js';

/** A log that keeps its lines, so a test can read what an operator would. */
export class RecordingLog implements Log {
  readonly lines: { readonly level: 'info' | 'warn' | 'error'; readonly text: string }[] = [];

  readonly info = (...args: unknown[]) => this.#add('info', args);
  readonly warn = (...args: unknown[]) => this.#add('warn', args);
  readonly error = (...args: unknown[]) => this.#add('error', args);

  #add(level: 'info' | 'warn' | 'error', args: unknown[]): void {
    this.lines.push({ level, text: args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' ') });
  }

  text(): string {
    return this.lines.map((line) => `${line.level}: ${line.text}`).join('\n');
  }
}
