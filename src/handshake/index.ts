/** PQXDH (spec/protocol.md §5): the public API of src/handshake. */
export { initiatePqxdh, type InitiateOptions, type InitiateResult } from './initiate.js';
export { respondPqxdh, type RespondOptions, type RespondResult } from './respond.js';
export { pqxdhAssociatedData, pqxdhKdfInput, pqxdhSharedSecret, SHARED_SECRET_LENGTH } from './key-agreement.js';
