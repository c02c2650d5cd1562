import { describe, expect, it } from 'vitest';
import { reachableHost } from '../src/index.js';

describe('reachableHost: where the launcher reaches a service listening on HOST', () => {
  it('reaches a wildcard address, or none, on the loopback address of its family', () => {
    expect(reachableHost('')).toBe('127.0.0.1');
    expect(reachableHost('0.0.0.0')).toBe('127.0.0.1');
    expect(reachableHost('::')).toBe('[::1]');
    expect(reachableHost('0:0:0:0:0:0:0:0')).toBe('[::1]');
  });

  it('reaches any other address or name at itself, IPv6 in brackets', () => {
    expect(reachableHost('127.0.0.1')).toBe('127.0.0.1');
    expect(reachableHost('192.0.2.10')).toBe('192.0.2.10');
    expect(reachableHost('::1')).toBe('[::1]');
    expect(reachableHost('fd00:0:0::2')).toBe('[fd00::2]');
    expect(reachableHost('localhost')).toBe('localhost');
  });
});
