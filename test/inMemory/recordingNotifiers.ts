import { AppError } from '../../src/errors.js';
import type { Notification, Notifier, Notifiers } from '../../src/notifications/ports.js';

/** Notifiers that keep what each channel was sent; a channel can be made to fail, transiently or for good. */
export class RecordingNotifiers implements Notifiers {
  readonly sent: { readonly channel: string; readonly notification: Notification }[] = [];
  readonly #failing = new Map<string, 'transient' | 'permanent'>();

  constructor(private readonly channels: readonly string[]) {}

  failChannel(channel: string, how: 'transient' | 'permanent' | undefined): void {
    if (how === undefined) this.#failing.delete(channel);
    else this.#failing.set(channel, how);
  }

  to(channel: string): Notification[] {
    return this.sent.filter((entry) => entry.channel === channel).map((entry) => entry.notification);
  }

  forChannel(channel: string): Notifier {
    if (!this.channels.includes(channel)) throw new AppError('ConfigurationError', `notification channel '${channel}' is not defined`, { module: 'notifiers' });
    return {
      kind: 'webhook',
      send: async (notification) => {
        const failing = this.#failing.get(channel);
        if (failing === 'transient') throw new AppError('UpstreamTransient', `channel '${channel}' answered 503`, { module: 'notifiers' });
        if (failing === 'permanent') throw new AppError('UpstreamPermanent', `channel '${channel}' answered 404`, { module: 'notifiers' });
        this.sent.push({ channel, notification });
      },
    };
  }
}
