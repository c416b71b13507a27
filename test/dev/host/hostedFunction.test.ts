import { describe, expect, test } from 'vitest';
import { CoreRegistry } from '../../../dev/host/coreApi.js';
import { hostFunction } from '../../../dev/host/hostedFunction.js';

const http = { type: 'http', direction: 'out' as const };

describe('the function registry behind @azure/functions-core', () => {
  test('a registration keeps its bindings, as the host reads them, and its trigger', () => {
    const registry = new CoreRegistry();
    registry.registerFunction(
      { name: 'health', bindings: { req: { type: 'httpTrigger', direction: 'in', route: 'health', methods: ['GET'], authLevel: 'anonymous' }, $return: http } },
      () => ({}),
    );
    const [fn] = registry.functions;
    expect(fn?.trigger).toMatchObject({ name: 'req', type: 'httpTrigger', route: 'health', methods: ['GET'], authLevel: 'anonymous' });
    expect(fn?.metadata.rawBindings?.map((raw) => JSON.parse(raw) as unknown)).toEqual([
      { type: 'httpTrigger', direction: 'in', route: 'health', methods: ['GET'], authLevel: 'anonymous', name: 'req' },
      { type: 'http', direction: 'out', name: '$return' },
    ]);
  });

  test('a second function of the same name, one without a trigger, and one registered after startup are refused', () => {
    const registry = new CoreRegistry();
    const timer = { t: { type: 'timerTrigger', direction: 'in' as const, schedule: '0 0 * * * *' } };
    registry.registerFunction({ name: 'sweep', bindings: timer }, () => undefined);
    expect(() => registry.registerFunction({ name: 'Sweep', bindings: timer }, () => undefined)).toThrow(/already registered/);
    expect(() => registry.registerFunction({ name: 'noTrigger', bindings: { $return: http } }, () => undefined)).toThrow(/exactly one trigger/);
    registry.finishStartup();
    expect(() => registry.registerFunction({ name: 'late', bindings: timer }, () => undefined)).toThrow(/during app startup/);
  });

  test('an unknown hook name is a RangeError, as @azure/functions expects of the worker', () => {
    expect(() => new CoreRegistry().registerHook('onSomething', () => undefined)).toThrow(RangeError);
  });

  test('hooks run in registration order and a disposed hook no longer runs', async () => {
    const registry = new CoreRegistry();
    const calls: string[] = [];
    registry.registerHook('appStart', () => {
      calls.push('first');
    });
    const second = registry.registerHook('appStart', () => {
      calls.push('second');
    });
    await registry.executeHooks('appStart', {});
    second.dispose();
    await registry.executeHooks('appStart', {});
    expect(calls).toEqual(['first', 'second', 'first']);
  });
});

describe('hosting a registered function', () => {
  function registered(bindings: Parameters<CoreRegistry['registerFunction']>[0]['bindings'], name = 'fn') {
    const registry = new CoreRegistry();
    registry.registerFunction({ name, bindings }, () => undefined);
    const [fn] = registry.functions;
    if (fn === undefined) throw new Error('not registered');
    return fn;
  }

  test('app settings are resolved in the bindings and the timer schedule is read from them', () => {
    const fn = hostFunction(registered({ t: { type: 'timerTrigger', direction: 'in', schedule: '%SWEEP%' } }), { SWEEP: '0 0 */6 * * *' });
    expect(fn.error).toBeUndefined();
    expect(fn.trigger.schedule).toBe('0 0 */6 * * *');
    expect(fn.schedule?.next(new Date('2024-01-01T01:00:00Z')).toISOString()).toBe('2024-01-01T06:00:00.000Z');
  });

  test('an unset setting or a bad schedule puts the function in error instead of stopping the host', () => {
    expect(hostFunction(registered({ t: { type: 'timerTrigger', direction: 'in', schedule: '%SWEEP%' } }), {}).error).toMatch(/SWEEP/);
    expect(hostFunction(registered({ t: { type: 'timerTrigger', direction: 'in', schedule: '0 */6 * * *' } }), {}).error).toMatch(/six-field/);
  });

  test('an HTTP trigger without a route is served at its function name, methods upper-cased', () => {
    const fn = hostFunction(registered({ req: { type: 'httpTrigger', direction: 'in', methods: ['get', 'post'] }, $return: http }, 'health'), {});
    expect(fn).toMatchObject({ kind: 'http', route: 'health', methods: ['GET', 'POST'], error: undefined });
  });
});
