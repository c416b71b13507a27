import { describe, expect, it } from 'vitest';
import { DEFAULT_DEV_PORTS, DEV_PORT_SETTINGS, readDevPorts } from '../../dev/ports.js';

describe('readDevPorts', () => {
  it('uses the playground defaults 7071, 7443, 10002 and 10001 (Azurite defaults) when nothing is set', () => {
    expect(readDevPorts({})).toEqual({ app: 7071, emulator: 7443, azurite: 10002, azuriteQueue: 10001 });
    expect(DEFAULT_DEV_PORTS).toEqual({ app: 7071, emulator: 7443, azurite: 10002, azuriteQueue: 10001 });
  });

  it('takes each port from its own variable', () => {
    const ports = readDevPorts({ AML_WARDEN_DEV_PORT: '8071', AML_WARDEN_DEV_EMULATOR_PORT: ' 8443 ', AML_WARDEN_DEV_AZURITE_PORT: '', AML_WARDEN_DEV_AZURITE_QUEUE_PORT: '11001' });
    expect(ports).toEqual({ app: 8071, emulator: 8443, azurite: 10002, azuriteQueue: 11001 });
  });

  it.each([
    ['AML_WARDEN_DEV_PORT', 'abc'],
    ['AML_WARDEN_DEV_EMULATOR_PORT', '70000'],
    ['AML_WARDEN_DEV_AZURITE_PORT', '0'],
    ['AML_WARDEN_DEV_PORT', '80.5'],
  ])('rejects %s=%s naming the variable', (name, value) => {
    expect(() => readDevPorts({ [name]: value })).toThrow(new RegExp(`^${name} must be a TCP port`));
  });

  it('documents one variable per port', () => {
    expect(Object.values(DEV_PORT_SETTINGS).sort()).toEqual(['AML_WARDEN_DEV_AZURITE_PORT', 'AML_WARDEN_DEV_AZURITE_QUEUE_PORT', 'AML_WARDEN_DEV_EMULATOR_PORT', 'AML_WARDEN_DEV_PORT']);
  });
});
