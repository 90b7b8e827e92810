// A worker of syncline's real workflow bundle with mocked activities, on the
// run's real Temporal dev server and a task queue of its own: for races and
// timers that end-to-end tests reach poorly. Activities are the test's own
// functions (partial: a workflow that calls a missing one fails the test).
import crypto from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { EncryptionCodec } from '../../src/crypto/payloadCodec';
import { temporalDataConverter } from '../../src/temporal/dataConverter';
import { workerBuildId } from '../../src/contracts/workflowGeneration';

export interface MockWorker {
  client: Client;
  taskQueue: string;
  stop(): Promise<void>;
}

export async function startMockWorker(
  label: string,
  activities: Record<string, (...args: never[]) => Promise<unknown>>,
): Promise<MockWorker> {
  const taskQueue = `${label}-${crypto.randomBytes(3).toString('hex')}`;
  const connection = await Connection.connect({ address: inject('temporalAddress') });
  const native = await NativeConnection.connect({ address: inject('temporalAddress') });
  // Encrypted like syncline's own clients and workers (a key of this worker's own).
  const dataConverter = temporalDataConverter(new EncryptionCodec(crypto.randomBytes(32)));
  const worker = await Worker.create({
    connection: native,
    dataConverter,
    taskQueue,
    activities,
    // The build id of syncline's own workers: processEvent takes the path they take.
    buildId: workerBuildId(),
    workflowBundle: { codePath: inject('workflowBundlePath') },
  });
  const running = worker.run();
  return {
    client: new Client({ connection, dataConverter }),
    taskQueue,
    async stop() {
      worker.shutdown();
      await running;
      await native.close();
      await connection.close();
    },
  };
}

/** A promise the test opens when it chooses, and one the code under test resolves when it reaches a point. */
export function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}
