// Temporal payload encryption (src/crypto/payloadCodec.ts): AES-256-GCM under a
// key derived from ENCRYPTION_KEY, the key id in the payload's metadata. The
// payloads come from Temporal's own default converter (theirs); the codec is ours.
import crypto from 'node:crypto';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { ENCRYPTED_ENCODING, EncryptionCodec, KEY_ID_METADATA, PayloadCodecError } from '../../src/crypto/payloadCodec';
import { keyId } from '../../src/crypto/secretBox';

const key = () => crypto.randomBytes(32);
const MARKER = 'partner-secret-7f3a';
const payloadOf = (v: unknown): Payload => defaultPayloadConverter.toPayload(v);
const valueOf = (p: Payload | undefined): unknown => defaultPayloadConverter.fromPayload(p!);
const text = (b: Uint8Array | null | undefined) => Buffer.from(b ?? []).toString();

describe('EncryptionCodec', () => {
  it('round-trips a payload, and the encoded payload holds neither the value nor its JSON encoding', async () => {
    const codec = new EncryptionCodec(key());
    const [encoded] = await codec.encode([payloadOf({ email: MARKER })]);
    expect(text(encoded!.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(encoded!.metadata![KEY_ID_METADATA])).toBe(codec.keyId);
    expect(Object.keys(encoded!.metadata!).sort()).toEqual(['encoding', KEY_ID_METADATA]);
    expect(Buffer.from(encoded!.data!).includes(MARKER)).toBe(false);
    expect(valueOf((await codec.decode([encoded!]))[0])).toEqual({ email: MARKER });
  });

  it('names the key by the id SecretBox uses for the same ENCRYPTION_KEY, but never encrypts with the key itself', async () => {
    const root = key();
    const codec = new EncryptionCodec(root);
    expect(codec.keyId).toBe(keyId(root));
    const [encoded] = await codec.encode([payloadOf('x')]);
    const data = Buffer.from(encoded!.data!);
    const decipher = crypto.createDecipheriv('aes-256-gcm', root, data.subarray(0, 12));
    decipher.setAAD(Buffer.from(codec.keyId));
    decipher.setAuthTag(data.subarray(data.length - 16));
    decipher.update(data.subarray(12, data.length - 16));
    expect(() => decipher.final()).toThrow();
  });

  it('encrypts the same payload differently each time (random IV)', async () => {
    const codec = new EncryptionCodec(key());
    const [a, b] = await codec.encode([payloadOf('same'), payloadOf('same')]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
  });

  it('passes through payloads it did not encrypt (histories from before the codec)', async () => {
    const plain = [payloadOf({ n: 1 }), payloadOf(null), payloadOf(new Uint8Array([1, 2]))];
    expect(await new EncryptionCodec(key()).decode(plain)).toEqual(plain);
  });

  it('refuses a tampered payload', async () => {
    const codec = new EncryptionCodec(key());
    const [encoded] = await codec.encode([payloadOf('secret')]);
    const data = Buffer.from(encoded!.data!);
    data[20] = data[20]! ^ 1;
    await expect(codec.decode([{ ...encoded!, data }])).rejects.toThrow(/failed authentication/);
  });

  it('refuses a payload relabelled to another configured key id', async () => {
    const [a, b] = [key(), key()];
    const [encoded] = await new EncryptionCodec(a).encode([payloadOf('secret')]);
    const codec = new EncryptionCodec(a, [b]);
    const relabelled = { ...encoded!, metadata: { ...encoded!.metadata, [KEY_ID_METADATA]: Buffer.from(keyId(b)) } };
    await expect(codec.decode([relabelled])).rejects.toThrow(PayloadCodecError);
  });

  it('says which key id is missing when a payload was encrypted with a key that is not configured', async () => {
    const old = key();
    const [encoded] = await new EncryptionCodec(old).encode([payloadOf('secret')]);
    await expect(new EncryptionCodec(key()).decode([encoded!])).rejects.toThrow(
      `payload encrypted with key id ${keyId(old)}, which is not configured (add its key to ENCRYPTION_KEYS_PREVIOUS)`,
    );
  });

  it('rotation: after the key changes, old payloads still decode with the old key listed as previous, and new ones carry the new id', async () => {
    const [oldKey, newKey] = [key(), key()];
    const [before] = await new EncryptionCodec(oldKey).encode([payloadOf({ v: 'before' })]);
    const rotated = new EncryptionCodec(newKey, [oldKey]);
    const [after] = await rotated.encode([payloadOf({ v: 'after' })]);
    expect(text(after!.metadata![KEY_ID_METADATA])).toBe(keyId(newKey));
    expect(text(before!.metadata![KEY_ID_METADATA])).toBe(keyId(oldKey));
    expect((await rotated.decode([before!, after!])).map(valueOf)).toEqual([{ v: 'before' }, { v: 'after' }]);
  });

  it('with encryption off, encodes nothing but still decodes what was encrypted', async () => {
    const k = key();
    const [encrypted] = await new EncryptionCodec(k).encode([payloadOf('earlier')]);
    const off = new EncryptionCodec(k, [], { encrypt: false });
    const plain = payloadOf('now');
    expect(await off.encode([plain])).toEqual([plain]);
    expect(valueOf((await off.decode([encrypted!]))[0])).toBe('earlier');
  });

  it('refuses an encrypted payload without a key id, or too short to hold an IV and tag', async () => {
    const codec = new EncryptionCodec(key());
    const encoding = Buffer.from(ENCRYPTED_ENCODING);
    await expect(codec.decode([{ metadata: { encoding }, data: Buffer.alloc(40) }])).rejects.toThrow(
      /carries no encryption-key-id/,
    );
    await expect(
      codec.decode([{ metadata: { encoding, [KEY_ID_METADATA]: Buffer.from(codec.keyId) }, data: Buffer.alloc(10) }]),
    ).rejects.toThrow(/too short/);
  });
});
