/** The client library (spec/client.md): the public API an app embeds. */
export { Client, type ClientOptions, type StoredMessageView } from './client.js';
export type { Contact } from './contact.js';
export { decodeContent, encodeContent, newContent, isEphemeral, type Content, type ContentBody, type ContentType } from './content.js';
export type { CreatedInvite, InviteOptions } from './contacts.js';
export { ClientError, isClientError, type ClientErrorCode } from './errors.js';
export type { ClientEvents, MessageEvent, GroupChangeKind } from './events.js';
export type { GroupInfo, GroupOptions } from './groups.js';
export { decodeInvite, encodeInvite, inviteToString, parseInvite, type Invite } from './invite.js';
export type { ConnectionState } from './relay-api.js';
export { platformWebSocketFactory, type WebSocketFactory, type WebSocketLike } from './websocket.js';
export type { BackoffOptions } from './backoff.js';
