import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

const SCALED = { ARCHWAY_DATABASE_URL: 'postgresql://db/archway', ARCHWAY_SECRET_KEY: 'k'.repeat(64) };

describe('the scaled mode at start', () => {
  it('refuses to start without ARCHWAY_SECRET_KEY (each replica would make its own secret.key)', () => {
    expect(() => loadConfig({ ARCHWAY_DATABASE_URL: SCALED.ARCHWAY_DATABASE_URL })).toThrow(
      /ARCHWAY_SECRET_KEY is required with ARCHWAY_DATABASE_URL/,
    );
  });
  it('refuses the built-in registry', () => {
    expect(() => loadConfig({ ...SCALED, ARCHWAY_BUILTIN_REGISTRY: '1' })).toThrow(/ARCHWAY_BUILTIN_REGISTRY cannot/);
    expect(loadConfig({ ...SCALED, ARCHWAY_BUILTIN_REGISTRY: '0' }).builtInRegistry.enabled).toBe(false);
  });
  it('runs no built-in agent unless ARCHWAY_BUILTIN_AGENT turns it on', () => {
    expect(loadConfig(SCALED).builtInAgent).toBe(false);
    expect(loadConfig({ ...SCALED, ARCHWAY_BUILTIN_AGENT: '1' }).builtInAgent).toBe(true);
  });
});

describe('the embedded default', () => {
  it('needs no configuration: built-in agent and registry on, off with 0/false/off/no', () => {
    const config = loadConfig({});
    expect(config.builtInAgent).toBe(true);
    expect(config.builtInRegistry.enabled).toBe(true);
    for (const off of ['0', 'false', 'OFF', 'no']) {
      expect(loadConfig({ ARCHWAY_BUILTIN_AGENT: off }).builtInAgent).toBe(false);
      expect(loadConfig({ ARCHWAY_BUILTIN_REGISTRY: off }).builtInRegistry.enabled).toBe(false);
    }
  });
});
