/**
 * The first group post right after createGroup (spec/client.md §6.2): it
 * either reaches the members or rejects NOT_READY — it never resolves as
 * sent while reaching no one.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Client } from '../../src/client/client.js';
import { isClientError } from '../../src/client/errors.js';
import { befriend, openClient, relayPerFile, text } from '../scenario/helpers.js';
import { until } from '../until.js';

const file = relayPerFile('parley-first-post-');
const { tmp, open } = file;


describe('first group post', () => {
  it('a post right after createGroup reaches the member or rejects NOT_READY, never resolves reaching no one', async () => {
    const alice = await openClient(join(tmp.dir, 'alice'), file.relay.url, 'alice');
    const bob = await openClient(join(tmp.dir, 'bob'), file.relay.url, 'bob');
    open.push(alice, bob);
    const { bAtA } = await befriend(alice, bob);
    const got: string[] = [];
    bob.on('message', (m) => got.push(text(m)));
    const g = await alice.createGroup('first', [bAtA]);
    const first = await alice.sendToGroup(g.id, { type: 'text', text: 'first' }).then(() => 'sent', (e: unknown) => e);
    if (first !== 'sent') expect(isClientError(first, 'NOT_READY')).toBe(true);
    await until(() => alice.group(g.id).ready);
    // One mailbox, in order: once `second` is in, `first` (if it was sent) is in too.
    const second = bob.next('message', (m) => text(m) === 'second');
    await alice.sendToGroup(g.id, { type: 'text', text: 'second' });
    await second;
    expect(got).toEqual(first === 'sent' ? ['first', 'second'] : ['second']);
  }, 30_000);
});
