// The rules for workflows acted on from outside (issue 16), as pure code: the
// row status table, the parsing of signal/update payloads, the mapping of a
// workflow's close status to a row status, and the chaos operator's plan.
import { describe, expect, it } from 'vitest';
import { verdictOf } from '../../src/activities/lifecycleSweep';
import { parseOperatorRequest, parseSupersedeNotice } from '../../src/contracts/messageValidation';
import {
  CLOSED_FROM_OUTSIDE,
  canTransition,
  FINAL_STATUSES,
  OPEN_STATUSES,
  PRUNABLE_STATUSES,
} from '../../src/store/eventTransitions';
import { canTransitionRun, OPEN_RUN_STATUSES, RUN_STATUSES } from '../../src/store/runTransitions';
import { OPERATOR_ACTIONS, planOperatorActions } from '../../dev/chaos/operatorFault';
import { JUNK_PAYLOADS } from '../../dev/support/workflowActions';

describe('row statuses of a workflow closed from outside', () => {
  it('lets every open row be closed from outside, and every closed row be replayed, processed or superseded', () => {
    for (const from of OPEN_STATUSES) for (const to of CLOSED_FROM_OUTSIDE) expect(canTransition(from, to)).toBe(true);
    for (const from of CLOSED_FROM_OUTSIDE)
      for (const to of ['accepted', 'processed', 'parked', 'superseded', 'skipped'] as const)
        expect(canTransition(from, to), `${from} -> ${to}`).toBe(true);
  });

  it('keeps processed final, and closed rows neither final nor prunable (they wait for a replay)', () => {
    expect(FINAL_STATUSES).toEqual(['processed']);
    for (const s of CLOSED_FROM_OUTSIDE) expect(PRUNABLE_STATUSES).not.toContain(s);
    expect(canTransition('processed', 'terminated')).toBe(false);
  });
});

describe('reconcile run statuses', () => {
  it('let an open run be ended, blocked, resumed or closed from outside, and keep every ended run final', () => {
    expect(OPEN_RUN_STATUSES).toEqual(['running', 'blocked']);
    for (const from of OPEN_RUN_STATUSES)
      for (const to of ['terminated', 'cancelled', 'failed'] as const) expect(canTransitionRun(from, to)).toBe(true);
    expect(canTransitionRun('running', 'blocked')).toBe(true);
    expect(canTransitionRun('blocked', 'running')).toBe(true);
    expect(canTransitionRun('running', 'succeeded')).toBe(true);
    for (const from of RUN_STATUSES.filter((s) => !OPEN_RUN_STATUSES.includes(s)))
      for (const to of RUN_STATUSES) expect(canTransitionRun(from, to), `${from} -> ${to}`).toBe(from === to);
  });
});

describe('signal and update payloads', () => {
  it('accepts a well-formed operator request and supersede notice', () => {
    expect(parseOperatorRequest({ by: 'alice', reason: 'why' })).toEqual({
      ok: true,
      value: { by: 'alice', reason: 'why' },
    });
    expect(parseOperatorRequest({ by: 'alice', extra: 1 })).toEqual({ ok: true, value: { by: 'alice' } });
    expect(parseSupersedeNotice({ version: 3, source: 'webhook:e1' })).toEqual({
      ok: true,
      value: { version: 3, source: 'webhook:e1' },
    });
  });

  it('refuses every junk payload the tests send, without throwing', () => {
    for (const junk of JUNK_PAYLOADS) {
      expect(parseSupersedeNotice(junk).ok, JSON.stringify(junk)).toBe(false);
      const req = parseOperatorRequest(junk);
      // `{ by: "x" }` inside an array, or a reason that is an object, are still junk.
      expect(req.ok, JSON.stringify(junk)).toBe(false);
    }
  });
});

describe('what the sweep makes of a close status', () => {
  it.each([
    ['TERMINATED', 'terminated'],
    ['CANCELLED', 'cancelled'],
    ['FAILED', 'failed'],
    ['TIMED_OUT', 'failed'],
    ['GONE', 'failed'],
  ])('%s settles the row as %s', (close, status) => {
    expect(verdictOf(close)).toMatchObject({ open: false, status });
  });

  it.each(['RUNNING', 'COMPLETED', 'CONTINUED_AS_NEW'])('%s leaves the row alone', (close) => {
    expect(verdictOf(close)).toEqual({ open: true });
  });
});

describe('the chaos operator fault', () => {
  it('plans every kind of action within each round, at seeded points, the same for the same seed', () => {
    const plan = planOperatorActions(7, { actions: 10 });
    expect(plan).toEqual(planOperatorActions(7, { actions: 10 }));
    expect(new Set(plan.slice(0, OPERATOR_ACTIONS.length).map((a) => a.action))).toEqual(new Set(OPERATOR_ACTIONS));
    for (const a of plan) expect(a.at).toBeGreaterThanOrEqual(0.05);
    expect(plan.map((a) => a.at)).toEqual([...plan.map((a) => a.at)].sort((x, y) => x - y));
  });
});
