import { describe, expect, it } from 'vitest';
import { DEV_STORE_ACCOUNT, connectionStringFor, queueUrlFor, tableUrlFor } from '../../dev/azurite.js';

describe('Azurite addresses', () => {
  it('builds the devstoreaccount1 table URL on loopback for a port', () => {
    expect(tableUrlFor(12345)).toBe('http://127.0.0.1:12345/devstoreaccount1');
  });

  it('builds the queue URL on loopback for a port', () => {
    expect(queueUrlFor(12346)).toBe('http://127.0.0.1:12346/devstoreaccount1');
  });

  it('builds a connection string whose TableEndpoint and QueueEndpoint are those URLs and whose account is devstoreaccount1', () => {
    const fields = new Map(
      connectionStringFor(23456, 23457)
        .split(';')
        .filter((part) => part.length > 0)
        .map((part) => {
          const at = part.indexOf('=');
          return [part.slice(0, at), part.slice(at + 1)] as const;
        }),
    );
    expect(fields.get('DefaultEndpointsProtocol')).toBe('http');
    expect(fields.get('AccountName')).toBe(DEV_STORE_ACCOUNT);
    expect(fields.get('TableEndpoint')).toBe('http://127.0.0.1:23456/devstoreaccount1');
    expect(fields.get('QueueEndpoint')).toBe('http://127.0.0.1:23457/devstoreaccount1');
    expect(Buffer.from(fields.get('AccountKey') ?? '', 'base64')).toHaveLength(64);
  });
});
