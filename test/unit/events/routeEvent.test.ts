import { InvocationContext } from '@azure/functions';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { routeEvent } from '../../../src/app/routeEvent.js';
import { parseDelivery } from '../../../src/events/parseDelivery.js';

const fixturesDir = new URL('../../../../shared/fixtures/events/', import.meta.url);
const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(name, fixturesDir), 'utf8'));

describe('routeEvent', () => {
  it('logs every event by type and subject and reports that no use case acted yet', async () => {
    const lines: string[] = [];
    const context = new InvocationContext({ logHandler: (_level, ...args) => lines.push(String(args[0])) });
    const [event] = parseDelivery(fixture('cloudevents-RunStatusChanged.json'));
    if (event === undefined) throw new Error('no event');
    await expect(routeEvent(event, context)).resolves.toEqual({ handled: false, reason: 'no use case yet' });
    expect(lines).toContain(
      'Microsoft.MachineLearningServices.RunStatusChanged experiments/0fa9dfaa-cba3-4fa7-b590-23e48548f5c1/runs/AutoML_ad912b2d-6467-4f32-a616-dbe4af6dd8fc_5',
    );
  });

  it('acknowledges an unknown event type without acting', async () => {
    const context = new InvocationContext();
    const [event] = parseDelivery([
      { id: '1', eventType: 'Contoso.Thing.Happened', subject: 'things/1', eventTime: '2024-01-01T00:00:00Z', data: {} },
    ]);
    if (event === undefined) throw new Error('no event');
    expect(await routeEvent(event, context)).toEqual({ handled: false, reason: 'event type not handled' });
  });
});
