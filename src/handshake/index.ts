/** PQXDH (spec/protocol.md §5): the public API of src/handshake. */
export { initiatePqxdh, type InitiateOptions, type InitiateResult } from './initiate.js';
export { respondPqxdh, type RespondOptions, type RespondResult } from './respond.js';
export {
  pqxdhAssociatedData, pqxdhKdfInput, pqxdhSharedSecret, pqxdhTranscriptHash, SHARED_SECRET_LENGTH, type PqxdhTranscript,
} from './key-agreement.js';
