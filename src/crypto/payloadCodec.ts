// Encrypts every Temporal payload syncline writes (workflow and activity
// inputs and results, memos, user metadata, failure details) with AES-256-GCM,
// so partner data never sits in plain text in Temporal's histories or Web UI.
//
// Contract:
// - An encrypted payload has metadata `encoding: binary/encrypted` and
//   `encryption-key-id: <id>`; its data is `iv (12) | ciphertext | tag (16)` of
//   the original payload serialised as a protobuf Payload. The key id is also
//   the GCM additional data, so a payload cannot be relabelled to another key.
// - Keys: one per configured ENCRYPTION_KEY / ENCRYPTION_KEYS_PREVIOUS, derived
//   by HKDF-SHA256 with a label of its own (never the root key itself), named by
//   the root key's id (the same id SecretBox ciphertexts carry). The current key
//   encrypts, every configured key decrypts: rotation is ENCRYPTION_KEY's.
// - Decoding passes through a payload without that encoding: histories written
//   before the codec (or with encryption off) still decode and replay.
// - A payload of an unknown key id, or one that fails authentication, is a
//   PayloadCodecError (never returned half-decoded).
import crypto from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { keyId } from './secretBox';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const CODEC_KEY_LABEL = 'syncline temporal payload codec v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const ENCODING_BYTES = Buffer.from(ENCRYPTED_ENCODING);
const ProtoPayload = temporal.api.common.v1.Payload;

export class PayloadCodecError extends Error {
  override readonly name = 'PayloadCodecError';
}

/** The codec key derived from one root encryption key (32 bytes). */
export function codecKeyOf(rootKey: Buffer): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', rootKey, Buffer.alloc(0), CODEC_KEY_LABEL, 32));
}

export interface EncryptionCodecOptions {
  /** false: encode passes payloads through (decode still decrypts what earlier runs encrypted). */
  encrypt?: boolean;
}

export class EncryptionCodec implements PayloadCodec {
  private readonly currentId: string;
  private readonly currentIdBytes: Buffer;
  private readonly byId = new Map<string, Buffer>();
  private readonly encrypt: boolean;

  /** `current` and `previous` are root keys (ENCRYPTION_KEY, ENCRYPTION_KEYS_PREVIOUS). */
  constructor(current: Buffer, previous: readonly Buffer[] = [], opts: EncryptionCodecOptions = {}) {
    this.currentId = keyId(current);
    this.currentIdBytes = Buffer.from(this.currentId);
    for (const k of [current, ...previous]) this.byId.set(keyId(k), codecKeyOf(k));
    this.encrypt = opts.encrypt ?? true;
  }

  /** The id new payloads carry. */
  get keyId(): string {
    return this.currentId;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return this.encrypt ? payloads.map((p) => this.encryptOne(p)) : payloads;
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.decryptOne(p));
  }

  private encryptOne(payload: Payload): Payload {
    const plain = ProtoPayload.encode(payload).finish();
    const iv = crypto.randomBytes(IV_BYTES);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.byId.get(this.currentId)!, iv);
    cipher.setAAD(this.currentIdBytes);
    const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return { metadata: { encoding: ENCODING_BYTES, [KEY_ID_METADATA]: this.currentIdBytes }, data };
  }

  private decryptOne(payload: Payload): Payload {
    const encoding = payload.metadata?.encoding;
    if (!encoding || !ENCODING_BYTES.equals(encoding)) return payload;
    const idBytes = payload.metadata?.[KEY_ID_METADATA];
    if (!idBytes) throw new PayloadCodecError(`an encrypted payload carries no ${KEY_ID_METADATA}`);
    const id = Buffer.from(idBytes).toString();
    const key = this.byId.get(id);
    if (!key)
      throw new PayloadCodecError(
        `payload encrypted with key id ${id}, which is not configured (add its key to ENCRYPTION_KEYS_PREVIOUS)`,
      );
    const data = payload.data ?? new Uint8Array();
    if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadCodecError('encrypted payload is too short');
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    let plain: Buffer;
    try {
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, buf.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(id));
      decipher.setAuthTag(buf.subarray(buf.length - TAG_BYTES));
      plain = Buffer.concat([decipher.update(buf.subarray(IV_BYTES, buf.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadCodecError(`encrypted payload (key id ${id}) failed authentication`);
    }
    const decoded = ProtoPayload.decode(plain);
    return { metadata: decoded.metadata, data: decoded.data };
  }
}
