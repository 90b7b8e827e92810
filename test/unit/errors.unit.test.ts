// Error meanings are declared once, on the classes (src/errors), and every
// surface derives from them: the workflows' non-retryable list, the HTTP error
// map and the CLI's exit codes. These tests pin the derived answers and the
// rules that keep the folder usable from the workflow bundle.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { answerFor } from '../../src/api/errorAnswers';
import { exitCodeOf } from '../../src/cli/exitCodes';
import { ERROR_CLASSES, meaningOf, NON_RETRYABLE_ERROR_TYPES } from '../../src/errors';
import { UsageError } from '../../src/errors/cliErrors';
import {
  ForeignDeliveryError,
  MalformedDeliveryError,
  SignatureError,
  TemporalUnavailableError,
} from '../../src/errors/ingestErrors';
import { SynclineError } from '../../src/errors/meaning';
import { PartnerPermanentError } from '../../src/errors/partnerErrors';

const DIR = path.resolve(__dirname, '../../src/errors');
const sources = fs.readdirSync(DIR).map((f) => ({ file: f, text: fs.readFileSync(path.join(DIR, f), 'utf8') }));

describe('error classes', () => {
  it('name each meaning after its class, and their instances carry that name', () => {
    for (const C of ERROR_CLASSES) {
      expect(C.meaning.type).toBe(C.name);
      const instance = Reflect.construct(C, ['x']) as SynclineError;
      expect(instance.name).toBe(C.name);
      expect(instance).toBeInstanceOf(SynclineError);
    }
  });

  it('are all registered: every class the folder exports is in ERROR_CLASSES', () => {
    const exported = sources.flatMap((s) =>
      [...s.text.matchAll(/export class (\w+) extends SynclineError/g)].map((m) => m[1]),
    );
    expect(exported.sort()).toEqual(ERROR_CLASSES.map((c) => c.name).sort());
  });

  it('live in files the workflow bundle can import: no imports from outside the folder', () => {
    for (const s of sources) {
      const specs = [...s.text.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
      expect(
        specs.filter((spec) => !spec!.startsWith('./')),
        s.file,
      ).toEqual([]);
    }
  });
});

describe('derived from the meanings', () => {
  it('the non-retryable types are exactly the failures a retry cannot help', () => {
    expect(NON_RETRYABLE_ERROR_TYPES).toEqual([
      'PartnerPermanentError',
      'MalformedDeliveryError',
      'UnknownConnectionError',
      'InvalidConnectionError',
      'ReconcileNotSupportedError',
      'InvalidReconcileSettingsError',
      'EventTransitionRefusedError',
      'RunTransitionRefusedError',
      'InvalidInvocationError',
      'PayloadNotTrustedError',
    ]);
  });

  it('the HTTP answer is the class meaning, with a signature failure saying which check failed', () => {
    expect(answerFor(new MalformedDeliveryError('x'))).toEqual({ status: 400, code: 'malformed_body' });
    expect(answerFor(new TemporalUnavailableError('x'))).toEqual({
      status: 503,
      code: 'temporal_unavailable',
      retryAfter: true,
    });
    expect(answerFor(new SignatureError('stale_timestamp'))).toEqual({ status: 401, code: 'stale_timestamp' });
    expect(answerFor(new ForeignDeliveryError('wrong_shop_domain', 'x'))).toEqual({
      status: 403,
      code: 'wrong_shop_domain',
    });
    expect(answerFor(new PartnerPermanentError(403, 'x'))).toEqual({ status: 500, code: 'internal_error' });
    expect(answerFor(new Error('anything else'))).toEqual({ status: 500, code: 'internal_error' });
    // An HTTP-stack error carrying a 4xx (Express's URIError for a bad percent-encoding) keeps its status.
    expect(answerFor(Object.assign(new URIError('Failed to decode param'), { status: 400 }))).toEqual({
      status: 400,
      code: 'bad_request',
    });
  });

  it('every class with an HTTP answer gets exactly that answer', () => {
    for (const C of ERROR_CLASSES.filter((c) => c.meaning.http && c !== SignatureError && c !== ForeignDeliveryError)) {
      expect(answerFor(Reflect.construct(C, ['x'])), C.name).toEqual(C.meaning.http);
    }
  });

  it('the CLI exit code is 2 for a bad command line or input, 1 for everything else', () => {
    expect(exitCodeOf(new UsageError('x'))).toBe(2);
    expect(exitCodeOf(new MalformedDeliveryError('x'))).toBe(1);
    expect(exitCodeOf(new Error('x'))).toBe(1);
    expect(
      ERROR_CLASSES.filter((c) => c.meaning.exitCode === 2)
        .map((c) => c.name)
        .sort(),
    ).toEqual([
      'InputError',
      'InvalidConnectionError',
      'InvalidCursorError',
      'InvalidRecordsQueryError',
      'UnknownCommandError',
      'UnknownConnectorError',
      'UsageError',
    ]);
  });

  it('an error is known by its name, as Temporal carries it across processes', () => {
    const carried = Object.assign(new Error('from another process'), { name: 'PartnerPermanentError' });
    expect(meaningOf(carried)?.retryable).toBe(false);
  });
});
