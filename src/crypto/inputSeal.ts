// The receiver's seal over a processEvent workflow's input. Anyone who can
// reach Temporal's frontend can start a workflow with any input; the seal lets
// the worker tell an input the receiver built (after checking the partner's
// signature) from one it did not. It covers every input field that decides
// what is written: the event's identity, the object and the version the event
// announced, whether the payload is trusted, and the inline payload itself.
// An activity that finds no valid seal takes the connection's own path and
// trusts nothing the input claims (see src/activities/partner.ts).
import type { ProcessEventInput } from '../contracts/processEventContract';
import type { SecretBox } from './secretBox';

const PURPOSE = 'processEvent input';

/** The input fields that decide what is written (the inline payload is null when it is not carried). */
export type SealedFields = Pick<
  ProcessEventInput,
  | 'connectionId'
  | 'eventId'
  | 'eventType'
  | 'objectType'
  | 'objectId'
  | 'objectVersion'
  | 'trustPayload'
  | 'inlinePayload'
>;

/** One canonical text per field set: a JSON array in a fixed order (JSON.stringify keeps the payload's key order). */
function sealedText(f: SealedFields): string {
  return JSON.stringify([
    f.connectionId,
    f.eventId,
    f.eventType,
    f.objectType,
    f.objectId,
    f.objectVersion,
    f.trustPayload,
    f.inlinePayload ?? null,
  ]);
}

export function sealInput(box: SecretBox, fields: SealedFields): string {
  return box.mac(PURPOSE, sealedText(fields));
}

/** False for a missing, malformed, foreign or mismatching seal. */
export function inputSealValid(box: SecretBox, fields: SealedFields, seal: string | null | undefined): boolean {
  return typeof seal === 'string' && box.verifyMac(PURPOSE, sealedText(fields), seal);
}
