// Connection secrets at rest: AES-256-GCM with the key id in the ciphertext.
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { inputSealValid, sealInput, type SealedFields } from '../../src/crypto/inputSeal';
import { parseKey, SecretBox, SecretBoxError } from '../../src/crypto/secretBox';

const key = () => crypto.randomBytes(32);

describe('SecretBox', () => {
  it('opens what it sealed, and the ciphertext does not contain the plaintext', () => {
    const box = new SecretBox(key());
    const sealed = box.seal('whsec_topsecret');
    expect(sealed).not.toContain('topsecret');
    expect(box.open(sealed)).toBe('whsec_topsecret');
  });

  it('seals the same plaintext differently each time (random IV)', () => {
    const box = new SecretBox(key());
    expect(box.seal('x')).not.toBe(box.seal('x'));
  });

  it('refuses a tampered ciphertext', () => {
    const box = new SecretBox(key());
    const parts = box.seal('secret').split('.');
    const data = Buffer.from(parts[4]!, 'base64url');
    data[0] = data[0]! ^ 1;
    parts[4] = data.toString('base64url');
    expect(() => box.open(parts.join('.'))).toThrow(SecretBoxError);
  });

  it('opens old ciphertexts after key rotation and reports them as stale', () => {
    const oldKey = key();
    const sealedOld = new SecretBox(oldKey).seal('rotated');
    const rotated = new SecretBox(key(), [oldKey]);
    expect(rotated.open(sealedOld)).toBe('rotated');
    expect(rotated.isStale(sealedOld)).toBe(true);
    expect(rotated.isStale(rotated.seal('fresh'))).toBe(false);
  });

  it('cannot open a ciphertext made with an unknown key', () => {
    const sealed = new SecretBox(key()).seal('x');
    expect(() => new SecretBox(key()).open(sealed)).toThrow(/no encryption key/);
  });

  it('accepts 32-byte keys as hex or base64 and rejects other lengths', () => {
    const k = key();
    expect(parseKey(k.toString('hex'))).toEqual(k);
    expect(parseKey(k.toString('base64'))).toEqual(k);
    expect(() => parseKey(crypto.randomBytes(16).toString('base64'))).toThrow(SecretBoxError);
  });
});

describe('SecretBox MACs and the workflow input seal', () => {
  const fields: SealedFields = {
    connectionId: 'acme',
    eventId: 'evt_1',
    eventType: 'order.updated',
    objectType: 'order',
    objectId: 'o-1',
    objectVersion: 3,
    trustPayload: true,
    inlinePayload: { data: { object: { id: 'o-1', total: 3 } } },
  };

  it('verifies its own seal, also after a rotation that keeps the old key, and not under another key', () => {
    const oldKey = key();
    const seal = sealInput(new SecretBox(oldKey), fields);
    expect(inputSealValid(new SecretBox(oldKey), fields, seal)).toBe(true);
    expect(inputSealValid(new SecretBox(key(), [oldKey]), fields, seal)).toBe(true);
    expect(inputSealValid(new SecretBox(key()), fields, seal)).toBe(false);
  });

  it('fails for any changed field, a missing or malformed seal, and a MAC made for another purpose', () => {
    const box = new SecretBox(key());
    const seal = sealInput(box, fields);
    const changed: Partial<SealedFields>[] = [
      { connectionId: 'other' },
      { eventId: 'evt_2' },
      { eventType: 'order.deleted' },
      { objectType: 'invoice' },
      { objectId: 'o-2' },
      { objectVersion: 4 },
      { objectVersion: null },
      { trustPayload: false },
      { inlinePayload: { data: { object: { id: 'o-1', total: 4 } } } },
      { inlinePayload: null },
    ];
    for (const c of changed) expect(inputSealValid(box, { ...fields, ...c }, seal), JSON.stringify(c)).toBe(false);
    expect(inputSealValid(box, fields, undefined)).toBe(false);
    expect(inputSealValid(box, fields, 'v1.nokey.abc')).toBe(false);
    expect(inputSealValid(box, fields, `${seal}x`)).toBe(false);
    expect(box.verifyMac('another purpose', 'x', box.mac('processEvent input', 'x'))).toBe(false);
  });

  it('survives the JSON round trip the payload makes through Temporal', () => {
    const box = new SecretBox(key());
    const seal = sealInput(box, fields);
    const travelled = JSON.parse(JSON.stringify(fields)) as SealedFields;
    expect(inputSealValid(box, travelled, seal)).toBe(true);
  });
});
