// Production needs explicit configuration: no silent embedded PostgreSQL.
import { describe, expect, it } from 'vitest';
import { ConfigError, parseEnv } from '../../src/config';

describe('production configuration', () => {
  it('refuses NODE_ENV=production without DATABASE_URL, naming the variable', () => {
    expect(() => parseEnv({ NODE_ENV: 'production', ENCRYPTION_KEY: 'k' })).toThrow(ConfigError);
    expect(() => parseEnv({ NODE_ENV: 'production', DATABASE_URL: '' })).toThrow(/DATABASE_URL: required/);
  });

  it('accepts production with DATABASE_URL, and development without it', () => {
    expect(parseEnv({ NODE_ENV: 'production', DATABASE_URL: 'postgresql://db/syncline' }).DATABASE_URL).toBe(
      'postgresql://db/syncline',
    );
    expect(parseEnv({ NODE_ENV: 'development' }).DATABASE_URL).toBeUndefined();
  });
});
