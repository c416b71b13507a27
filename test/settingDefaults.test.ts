import { describe, expect, it } from 'vitest';
import { settingDefaults, timerScheduleBinding } from '../src/settingDefaults.js';

describe('timer schedule bindings', () => {
  it('use the app-setting expression when the setting is present, so the host resolves it without a redeploy', () => {
    expect(timerScheduleBinding('AML_WARDEN_SWEEP_SCHEDULE', { AML_WARDEN_SWEEP_SCHEDULE: '0 */5 * * * *' })).toBe('%AML_WARDEN_SWEEP_SCHEDULE%');
  });

  it('fall back to the documented default when the setting is missing, so the timer is still indexed', () => {
    expect(timerScheduleBinding('AML_WARDEN_SWEEP_SCHEDULE', {})).toBe('0 0 */6 * * *');
    expect(timerScheduleBinding('AML_WARDEN_EXPIRY_SCHEDULE', { AML_WARDEN_EXPIRY_SCHEDULE: '  ' })).toBe(settingDefaults.AML_WARDEN_EXPIRY_SCHEDULE);
  });
});
