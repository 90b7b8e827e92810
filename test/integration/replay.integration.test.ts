// Determinism across deploys: histories recorded by earlier versions of the
// workflow code (test/fixtures/histories, made by scripts/record-histories.sh
// at the commit each file is named after) replay against today's workflow
// bundle without a non-determinism error. A workflow change that would break
// runs in flight at a deploy fails here, and needs a patch (see
// RESTORE_PATCH in src/workflows/reconcileConnection.ts) or a new workflow type.
// The replaying worker has the payload codec, as every syncline worker does:
// histories written before payloads were encrypted must still decode (the codec
// passes through payloads it did not encrypt).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { EncryptionCodec } from '../../src/crypto/payloadCodec';
import { temporalDataConverter } from '../../src/temporal/dataConverter';

const ENCRYPTING = temporalDataConverter(new EncryptionCodec(crypto.randomBytes(32)));
const DIR = path.resolve(__dirname, '../fixtures/histories');
const files = fs
  .readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

describe('replaying histories of earlier versions', () => {
  it('has histories of every recorded version and shape', () => {
    const versions = new Set(files.map((f) => f.split('.')[0]));
    expect(versions.size).toBeGreaterThanOrEqual(2);
    for (const v of versions) {
      expect(
        files
          .filter((f) => f.startsWith(`${v}.`))
          .map((f) => f.split('.')[1])
          .sort(),
      ).toEqual([
        'event-parked-replayed',
        'event-parked-skipped',
        'event-processed',
        'event-retried',
        'reconcile-full-first',
        'reconcile-full-last',
        'reconcile-incremental-first',
        'reconcile-incremental-last',
      ]);
    }
  });

  it.each(files)('%s replays on the current code', async (file) => {
    const history = temporal.api.history.v1.History.fromObject(
      JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')) as Record<string, unknown>,
    );
    await Worker.runReplayHistory(
      { workflowBundle: { codePath: inject('workflowBundlePath') }, dataConverter: ENCRYPTING },
      history,
      file,
    );
  });
});
