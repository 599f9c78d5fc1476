/** Groups and broadcast channels with Sender Keys (spec/protocol.md §8): the public API of src/group. */
export {
  applyChange, createGroup, joinGroup, proposeChange,
  type CreateGroupParams, type GroupChangeResult, type GroupSession,
} from './group-session.js';
export { groupEncrypt, groupSend, prepareSend, rotateSenderKey, type SenderKeyDelivery } from './group-send.js';
export { groupDecrypt, processDistribution, type EpochAgreement, type GroupDecryptResult } from './group-receive.js';
export { decodeGroupSession, encodeGroupSession } from './session-codec.js';
export { applyGroupChange, createGroupChange, type AppliedChange, type ChangeRequest } from './membership.js';
export { acceptWelcome, createWelcome } from './welcome.js';
export { groupStateHash, mayPost, roleOf, type GroupMemberEntry, type GroupMode, type GroupRole, type GroupState } from './group-state.js';
export { createSenderKey, type SenderKeyState } from './sender-key.js';
export type { ReceiverChain, SkippedGroupKey } from './receiver-chain.js';
export { kdfSenderChain } from './chain-key.js';
export { deriveGroupBodyKeys, groupAssociatedData, groupKeyCommitment, type GroupMessageContext } from './message-key.js';
