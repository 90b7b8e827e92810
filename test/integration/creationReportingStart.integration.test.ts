// Contract test of the one adapter over Temporal SDK internals
// (src/temporal/creationReportingStart.ts): against the real dev server, a
// start reports whether it created the run. If an SDK upgrade renames or
// reshapes `_start`, `_startWorkflowHandler` or `createStartWorkflowRequest`,
// or stops running client interceptors around them, or drops the client's data
// converter (syncline's payload encryption), this fails.
import crypto from 'node:crypto';
import path from 'node:path';
import { Client, Connection, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ENCRYPTED_ENCODING, EncryptionCodec } from '../../src/crypto/payloadCodec';
import { creationReportingStart } from '../../src/temporal/creationReportingStart';
import { temporalDataConverter } from '../../src/temporal/dataConverter';
import { SA_STATUS } from '../../src/temporal/searchAttributes';
import { awaitRelease, releaseSignal } from '../support/startProbeWorkflows';

const taskQueue = `creation-${crypto.randomBytes(3).toString('hex')}`;
let connection: Connection;
let client: Client;
let worker: Worker;
let running: Promise<void>;
let intercepted = 0;
const dataConverter = temporalDataConverter(new EncryptionCodec(crypto.randomBytes(32)));

beforeAll(async () => {
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({
    connection,
    dataConverter,
    // The adapter promises that the client's own interceptors still run around its start.
    interceptors: {
      workflow: [
        {
          start: (input, next) => {
            intercepted += 1;
            return next(input);
          },
        },
      ],
    },
  });
  worker = await Worker.create({
    connection: await NativeConnection.connect({ address: inject('temporalAddress') }),
    taskQueue,
    dataConverter,
    workflowsPath: path.resolve(__dirname, '../support/startProbeWorkflows.ts'),
  });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await connection?.close();
});

describe('a start that reports whether it created the run', () => {
  it('is true for the call that created the run and false for one that attached to it, with interceptors run and the options kept', async () => {
    const starter = creationReportingStart(client);
    const workflowId = `probe-${crypto.randomUUID()}`;
    const options = {
      taskQueue,
      workflowId,
      args: ['hello'] as [string],
      workflowIdConflictPolicy: 'USE_EXISTING' as const,
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY' as const,
      typedSearchAttributes: new TypedSearchAttributes([{ key: SA_STATUS, value: 'processing' }]),
    };
    const before = intercepted;
    expect(await starter.start(awaitRelease, options)).toBe(true);
    expect(await starter.start(awaitRelease, options)).toBe(false);
    expect(intercepted - before).toBe(2);

    const handle = client.workflow.getHandle<typeof awaitRelease>(workflowId);
    const described = await handle.describe();
    expect(described.type).toBe('awaitRelease');
    expect(described.typedSearchAttributes.get(SA_STATUS)).toBe('processing');
    const started = (await handle.fetchHistory()).events?.[0]?.workflowExecutionStartedEventAttributes;
    const encoding = started?.input?.payloads?.[0]?.metadata?.encoding;
    expect(Buffer.from(encoding ?? []).toString(), 'the input went through the client codec').toBe(ENCRYPTED_ENCODING);
    await handle.signal(releaseSignal);
    expect(await handle.result()).toBe('hello');

    // The run completed: the reuse policy refuses another, and the adapter says so as the SDK would.
    await expect(starter.start(awaitRelease, options)).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
  });
});
