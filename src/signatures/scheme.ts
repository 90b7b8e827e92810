// The one interface every signature scheme implements, and the error for a
// connection whose configuration cannot be used (an operator's bug, not the
// sender's fault: it must surface as a server error, never as a 401).

import type { SignatureConfig, SignInput, Verified, VerifyInput } from './types';

export interface Scheme {
  /** Throws SignatureError for every rejection; SignatureConfigError only for an unusable config. */
  verify(config: SignatureConfig, input: VerifyInput): Verified;
  /** Headers a real partner would send for this body, in the partner's own header-name casing. */
  sign(config: SignatureConfig, input: SignInput): Record<string, string>;
}

export class SignatureConfigError extends Error {
  override readonly name = 'SignatureConfigError';
}
