// How syncline's Temporal clients and workers turn values into payloads and
// back: Temporal's default JSON converter, then the payload codec (encryption,
// src/crypto/payloadCodec.ts). Every client and worker takes its converter
// from here, so none writes plain partner data into a history and each reads
// what the others wrote. Code that reads a payload straight out of a history
// (not through a workflow handle) decodes it with decodeHistoryPayload.
import type { Client } from '@temporalio/client';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';

export function temporalDataConverter(codec: PayloadCodec): DataConverter {
  return { payloadCodecs: [codec] };
}

/** A payload read from a fetched history, decoded by the client's codecs (last applied, first undone) and converter. */
export async function decodeHistoryPayload<T>(client: Client, payload: Payload): Promise<T> {
  const converter = client.options.loadedDataConverter;
  let payloads = [payload];
  for (const codec of [...converter.payloadCodecs].reverse()) payloads = await codec.decode(payloads);
  return converter.payloadConverter.fromPayload<T>(payloads[0]!);
}
