/**
 * Device list chains (protocol.md §12.3) under a relay that serves any list
 * of an account in any order: forks (two lists signed for one version),
 * stale lists and gaps. A peer's outcome for each list it is served must be
 * the one the §12.3 table gives, computed here from the tree of who-follows-
 * whom (not from hashes), and a refusal never changes what the peer keeps —
 * so a peer never moves to an older list, nor from one branch to another.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateIdentityKeyPair, signDeviceList, advanceDeviceList, type DeviceList } from '../../src/identity/index.js';
import { isProtocolError } from '../../src/errors.js';
import { seededRandom } from '../../src/testing/index.js';
import { fcParams } from './fc.js';

const random = seededRandom(new Uint8Array(32).fill(0x61));
const account = generateIdentityKeyPair(random);
const keys = Array.from({ length: 8 }, () => generateIdentityKeyPair(random).publicKey);

interface Node { readonly list: DeviceList; readonly parent: number | null }

/** A tree of lists: each new list follows a random earlier one (a fork when two follow one parent). */
function buildTree(parents: readonly number[]): Node[] {
  const nodes: Node[] = [{ list: signDeviceList({ account, previous: null, devices: [{ id: 0, key: keys[0]!, createdAt: 0 }], createdAt: 0 }), parent: null }];
  parents.forEach((pick, i) => {
    const parent = pick % nodes.length;
    const count = 1 + (i % 7);
    const devices = keys.slice(0, count).map((key, id) => ({ id, key, createdAt: i }));
    nodes.push({ list: signDeviceList({ account, previous: nodes[parent]!.list, devices, createdAt: i + 1 }), parent });
  });
  return nodes;
}

/** §12.3 from the tree: the expected outcome of serving node `n` to a peer that keeps node `k`. */
function expected(nodes: readonly Node[], k: number | null, n: number): string {
  if (k === null) return 'ok';
  const [known, next] = [nodes[k]!.list, nodes[n]!.list];
  if (next.version < known.version) return 'STALE_EPOCH';
  if (next.version === known.version) return n === k ? 'same' : 'EPOCH_FORK';
  if (next.version > known.version + 1) return 'FUTURE_EPOCH';
  return nodes[n]!.parent === k ? 'ok' : 'EPOCH_FORK';
}

describe('device list chain', () => {
  it('every served list gets the §12.3 outcome, and a refusal keeps the list the peer had', () => {
    fc.assert(fc.property(
      fc.array(fc.nat(), { minLength: 1, maxLength: 12 }),
      fc.array(fc.nat(), { minLength: 1, maxLength: 30 }),
      (parents, served) => {
        const nodes = buildTree(parents);
        let kept: number | null = null;
        let known: DeviceList | null = null;
        for (const pick of served) {
          const n = pick % nodes.length;
          const want = expected(nodes, kept, n);
          let got: string;
          try {
            const after = advanceDeviceList(known, nodes[n]!.list);
            got = after === known ? 'same' : 'ok';
            known = after;
          } catch (e) {
            if (!isProtocolError(e)) throw e;
            got = e.code;
          }
          expect(got).toBe(want);
          if (want === 'ok') kept = n;
          expect(known?.hash).toEqual(kept === null ? undefined : nodes[kept]!.list.hash);
        }
      },
    ), fcParams(60));
  });
});
