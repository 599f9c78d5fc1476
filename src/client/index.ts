/** The client library (spec/client.md): the public API an app embeds. */
export { Client, type ClientOptions, type OutboxCounts, type StoredMessageView } from './client.js';
export type { Contact } from '../wire/client/contact.js';
export type { Peer } from './contacts/peer.js';
export { decodeContent, encodeContent, newContent, isEphemeral, type Content, type ContentBody, type ContentType } from '../wire/client/content.js';
export type { CreatedInvite, InviteOptions } from './contacts/invitations.js';
export { ClientError, isClientError, type ClientErrorCode } from './errors.js';
export type { ClientEvents, MessageEvent, GroupChangeKind } from './events.js';
export type { GroupInfo, GroupOptions } from './groups/state.js';
export { decodeInvite, encodeInvite, inviteToString, parseInvite, type Invite } from '../wire/client/invite.js';
export type { ConnectionState } from './transport/relay-api.js';
export { platformWebSocketFactory, type WebSocketFactory, type WebSocketLike } from './transport/websocket.js';
export type { BackoffOptions } from './transport/backoff.js';
export type { DeviceInfo, DeviceLinking, LinkDeviceOptions, LinkedAccount, LinkOffering } from './linking/index.js';
export { LINK_OFFER_PREFIX } from './linking/offer-prefix.js';
export type { LinkGroupEntry } from '../wire/client/link-group.js';
// Files are a feature imported on first use (features.ts): only types come from files/index here, so the
// entry does not import it; the two values come from their own small modules.
export type {
  FilePointer, FileSink, FileSource, SendFileOptions, TransferOptions, TransferProgress, StickerImage, StickerInput, StickerPackRef,
} from './files/index.js';
export { writableStreamSink } from './files/sink.js';
export { DOWNLOAD_BYTES_MAX } from '../constants.js';
export type { FileRef } from '../wire/client/file-ref.js';
