import type { Telemetry } from '../shared/telemetry.js';

/** Metric counted once per event that was logged and dropped instead of processed. */
export const eventsDroppedMetric = 'EventsDropped';

export interface DroppedEvent {
  readonly eventId: string;
  readonly eventType: string;
  /** `malformed` or the error code that made the event permanently unprocessable. */
  readonly reason: string;
}

/** Counts a dropped event; the properties let dashboards split drops by reason and type. */
export function countDroppedEvent(telemetry: Pick<Telemetry, 'trackMetric'>, dropped: DroppedEvent, functionName: string): void {
  telemetry.trackMetric(eventsDroppedMetric, 1, {
    reason: dropped.reason,
    eventType: dropped.eventType,
    eventId: dropped.eventId,
    functionName,
  });
}
