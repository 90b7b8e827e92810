// Webhook signature verification and signing, one module per scheme behind the
// Scheme interface. Adding a scheme: one new file and one line in SCHEMES.
// verifySignature throws only SignatureError (safe to show the sender) or
// SignatureConfigError (our bug: answer 500).

import { github } from './github';
import { hmac } from './hmac';
import { SignatureConfigError, type Scheme } from './scheme';
import { shopify } from './shopify';
import { standardWebhooks } from './standardWebhooks';
import { stripe } from './stripe';
import { type SchemeName, type SignatureConfig, type SignInput, type Verified, type VerifyInput } from './types';
import { SignatureError } from '../errors/ingestErrors';

export * from './types';
export { parseSignatureConfig } from './config';
export { SignatureConfigError, type Scheme } from './scheme';

export const SCHEMES: Readonly<Record<SchemeName, Scheme>> = {
  stripe,
  github,
  shopify,
  'standard-webhooks': standardWebhooks,
  hmac,
};

function schemeFor(config: SignatureConfig): Scheme {
  const scheme: Scheme | undefined = SCHEMES[config.scheme];
  if (scheme === undefined) throw new SignatureConfigError('unknown signature scheme');
  return scheme;
}

export function verifySignature(config: SignatureConfig, input: VerifyInput): Verified {
  const scheme = schemeFor(config);
  try {
    return scheme.verify(config, input);
  } catch (err) {
    if (err instanceof SignatureError || err instanceof SignatureConfigError) throw err;
    // Whatever else a hostile header manages to trigger is still just a bad signature.
    throw new SignatureError('malformed_signature');
  }
}

export function signDelivery(config: SignatureConfig, input: SignInput): Record<string, string> {
  return schemeFor(config).sign(config, input);
}
