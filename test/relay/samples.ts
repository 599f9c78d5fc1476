/** One valid request of every type (and variant), for round trips and fuzzing. */
import { systemRandom } from '../../src/crypto/index.js';
import type { RelayRequest } from '../../src/wire/index.js';

const mb = systemRandom(16);
const tok = systemRandom(24);

export const SAMPLE_REQUESTS: RelayRequest[] = [
  { type: 'auth', id: 1, identityKey: systemRandom(32), signature: systemRandom(64) },
  { type: 'publish', id: 2, signedPreKey: systemRandom(90), kemPreKey: systemRandom(1700), oneTime: [systemRandom(50)], kemOneTime: [] },
  { type: 'publish', id: 3, oneTime: [], kemOneTime: [systemRandom(1700)] },
  { type: 'counts', id: 4 },
  { type: 'bundle', id: 5, mailbox: mb, token: tok },
  { type: 'token_add', id: 6, token: tok },
  { type: 'token_add', id: 7, token: tok, replaces: systemRandom(16) },
  { type: 'token_revoke', id: 8, token: tok },
  { type: 'send', id: 9, mailbox: mb, token: tok, data: systemRandom(100) },
  { type: 'send', id: 10, mailbox: mb, token: tok, data: systemRandom(100), ttl: 60 },
  { type: 'fanout', id: 11, to: [{ mailbox: mb, token: tok }, { mailbox: systemRandom(16), token: systemRandom(16) }], data: systemRandom(10) },
  { type: 'ephemeral', id: 12, mailbox: mb, token: tok, data: systemRandom(5) },
  { type: 'ack', id: 0xffffffff, ids: [1, 2, 3] },
  { type: 'blob_grant', id: 13, size: 2 ** 31 },
  { type: 'device_list_publish', id: 14, list: systemRandom(300) },
  { type: 'device_list_fetch', id: 15, account: systemRandom(32) },
  { type: 'device_list_fetch', id: 16, account: systemRandom(32), since: 3 },
  { type: 'link_open', id: 17, link: systemRandom(16) },
  { type: 'link_send', id: 18, link: systemRandom(16), to: 'n', data: systemRandom(200) },
  { type: 'link_send', id: 19, link: systemRandom(16), to: 'e', data: systemRandom(132) },
  { type: 'link_listen', id: 20, link: systemRandom(16), side: 'e' },
  { type: 'link_listen', id: 21, link: systemRandom(16), side: 'n', after: 7 },
  { type: 'link_close', id: 22, link: systemRandom(16) },
];

