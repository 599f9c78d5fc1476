/**
 * Linked devices in the terminal chat (spec/client.md §10.4, §10.5):
 * `/link` on a new device prints an offer to paste on the primary, then the
 * link code once the primary answered; `/link <offer> [history]` on the primary prints
 * its link code. On each screen, `y` confirms that both codes are the same
 * and `n` ends the link. `/devices` lists the account's devices and
 * `/revoke <id>` (primary) removes one.
 *
 * Lines are read in order and a link waits for the other screen, so the
 * flows run in the background; their outcome is printed when it comes.
 */
import type { Client } from '../../client/client.js';
import { isClientError } from '../../client/errors.js';
import { isProtocolError } from '../../errors.js';

export interface LinkCommands {
  link(offer: string): Promise<void>;
  devices(): void;
  revoke(id: string): Promise<void>;
  /** Takes a `y`/`n` line while a link waits for one; false for any other line. */
  answers(line: string): boolean;
}

interface Pending {
  confirm(): Promise<string>;
  cancel(): Promise<void>;
}

const QUESTION = 'same code on both screens? (y/n)';

export function linkCommands(client: Client, say: (line: string) => void): LinkCommands {
  let pending: Pending | undefined;
  const failed = (e: unknown): void => say(`error: ${describe(e)}`);
  const ask = (sas: string, p: Pending): void => {
    pending = p;
    say(`link code: ${sas} — ${QUESTION}`);
  };

  const offer = async (): Promise<void> => {
    const offering = await client.offerLink();
    say(`link offer: ${offering.text}`);
    say('* on your primary device: /link <offer>');
    offering.sas.then((sas) => ask(sas, {
      confirm: async () => {
        const a = await offering.confirm();
        const history = a.history === 0 ? '' : `, ${a.history} message(s) of history`;
        return `* linked: device ${a.deviceId} of account ${a.account.slice(0, 8)}, ${a.contacts} contact(s), ${a.groups.length} group(s)${history}`;
      },
      cancel: () => offering.cancel(),
    }), failed);
  };

  const accept = async (arg: string): Promise<void> => {
    const [text = '', flag] = arg.split(/\s+/);
    if (flag !== undefined && flag !== 'history') throw new Error('usage: /link <offer> [history]');
    const linking = await client.linkDevice(text, { history: flag === 'history' });
    ask(linking.sas, {
      confirm: async () => `* device ${(await linking.confirm()).id} linked`,
      cancel: () => linking.cancel(),
    });
  };

  return {
    link: (text) => (text === '' ? offer() : accept(text)),
    devices: () => {
      for (const d of client.devices()) {
        say(`  ${d.id} ${d.key.slice(0, 16)}${d.primary ? ' primary' : ''}${d.self ? ' (this device)' : ''}`);
      }
    },
    revoke: async (id) => {
      if (!/^\d+$/.test(id)) throw new Error('usage: /revoke <device id> (see /devices)');
      const left = await client.revokeDevice(Number(id));
      say(`* device ${id} revoked (${left.length} left)`);
    },
    answers: (line) => {
      const a = line.trim().toLowerCase();
      if (pending === undefined || !['y', 'yes', 'n', 'no'].includes(a)) return false;
      const p = pending;
      pending = undefined;
      if (a.startsWith('y')) {
        say('* linking…');
        p.confirm().then(say, failed);
      } else {
        p.cancel().then(() => say('* link cancelled'), failed);
      }
      return true;
    },
  };
}

function describe(e: unknown): string {
  if (isClientError(e) || isProtocolError(e)) return e.message;
  return e instanceof Error ? e.message : String(e);
}
