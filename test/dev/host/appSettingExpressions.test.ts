import { describe, expect, test } from 'vitest';
import { resolveAppSettings, resolveAppSettingText, UnresolvedAppSettingError } from '../../../dev/host/appSettingExpressions.js';

describe('%SETTING% expressions in binding properties', () => {
  test('a whole-value expression becomes the setting', () => {
    expect(resolveAppSettingText('%AML_WARDEN_SWEEP_SCHEDULE%', { AML_WARDEN_SWEEP_SCHEDULE: '0 0 */6 * * *' })).toBe('0 0 */6 * * *');
  });

  test('expressions inside text are replaced and %% is a literal percent', () => {
    expect(resolveAppSettingText('queue-%ENV%-100%%', { ENV: 'dev' })).toBe('queue-dev-100%');
  });

  test('an unset setting fails naming it', () => {
    expect(() => resolveAppSettingText('%MISSING_SCHEDULE%', {})).toThrow(UnresolvedAppSettingError);
    expect(() => resolveAppSettingText('%MISSING_SCHEDULE%', {})).toThrow(/MISSING_SCHEDULE/);
  });

  test('every string in nested bindings is resolved and other values are kept', () => {
    const bindings = [{ name: 'timer', type: 'timerTrigger', schedule: '%S%', runOnStartup: false, extra: { path: ['%P%'] } }];
    expect(resolveAppSettings(bindings, { S: '*/5 * * * * *', P: 'samples' })).toEqual([
      { name: 'timer', type: 'timerTrigger', schedule: '*/5 * * * * *', runOnStartup: false, extra: { path: ['samples'] } },
    ]);
    expect(bindings[0]?.schedule).toBe('%S%');
  });
});
