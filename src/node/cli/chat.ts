/**
 * The interactive terminal chat: one line in, one command; events are printed
 * as they arrive. Lines are handled strictly in order, so a script piped to
 * stdin behaves like a person typing.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { Client } from '../../client/client.js';
import type { Peer } from '../../client/contacts/peer.js';
import type { Contact } from '../../wire/client/contact.js';
import type { Content } from '../../wire/client/content.js';
import { isClientError } from '../../client/errors.js';
import type { GroupInfo } from '../../client/groups/state.js';
import { isProtocolError } from '../../errors.js';
import { loadOrCreateKeyFile } from '../file-key.js';
import { SqliteStore } from '../sqlite-store.js';
import { nodeWebSocketFactory } from '../websocket.js';
import { fileCommands } from './files.js';
import { linkCommands } from './link.js';

export interface ChatOptions {
  readonly relay: string;
  readonly profile: string;
  readonly dir: string;
  readonly input: Readable;
  readonly output: Writable;
}

const HELP = `commands:
  /invite [multi]                 print an invitation (multi: anyone with it may connect)
  /accept <invitation>            accept an invitation
  /contacts                       list contacts
  /to <contact|#group>            send plain lines to this contact or group
  /msg <contact> <text>           send a message
  /g <group> <text>               send to a group
  /group create <name> <c1,c2…>   create a group with contacts
  /group add|remove <group> <contact>
  /group leave <group>
  /channel create <name>          create a channel (you post, subscribers read)
  /channel invite <channel>       print the channel's invitation (a link or QR text to publish)
  /subscribe <channel invitation> subscribe to a channel
  /unsubscribe <channel>          leave a channel you read
  /groups                         list groups
  /safety <contact>               show the safety number
  /verify <contact>               mark the contact verified
  /approve <contact>              accept a changed identity key
  /block <contact>                block the contact
  /history [contact]              stored messages
  /file <contact|#group> <path>   send a file (end-to-end encrypted, with a progress bar)
  /save <n> [path]                save received attachment n (numbered as they arrive)
  /stickerpack <title> <image>…   upload a sticker pack
  /sticker <contact|#group> <n>   send sticker n of your last pack
  /link                           on a new device: offer to join your account (paste the offer on your primary)
  /link <offer> [history]         on the primary: link the device that shows this offer (history: send it your messages)
  y | n                           the link codes on both screens are the same (y) or not (n)
  /devices                        list your account's devices
  /revoke <id>                    on the primary: remove a device from your account
  /quit`;

export async function runChat(o: ChatOptions): Promise<number> {
  mkdirSync(o.dir, { recursive: true, mode: 0o700 });
  const store = SqliteStore.open({ path: join(o.dir, 'store.db'), key: loadOrCreateKeyFile(join(o.dir, 'store.key')) });
  const client = await Client.open({ relay: o.relay, store, webSocket: nodeWebSocketFactory, displayName: o.profile });
  const say = (line: string): void => void o.output.write(`${line}\n`);
  const name = (c: Contact | Peer): string => c.name ?? c.id.slice(0, 8);
  const groupName = (id: string): string => client.groups().find((g) => g.id === id)?.name ?? id.slice(0, 8);
  const files = fileCommands(client, say, (t) => (t.startsWith('#') ? findGroup(t).id : findContact(t).id));
  const links = linkCommands(client, say);
  const sender = (m: { from: Contact | Peer; outgoing?: true }): string => (m.outgoing === true ? `(you, another device) → ${name(m.from)}` : name(m.from));
  client.on('message', (m) => say(`${sender(m)}${m.group === undefined ? '' : `@${groupName(m.group)}`}: ${render(m.content)}${files.received(m.content)}`));
  client.on('contact-added', (e) => say(`* ${name(e.contact)} added as a contact`));
  client.on('identity-changed', (e) => say(`! ${name(e.contact)}'s identity key changed${e.wasVerified ? ' (was verified: /approve to keep talking)' : ''}`));
  client.on('message-lost', (e) => say(`! a message from ${e.contact === undefined ? 'an unknown sender' : name(e.contact)} could not be decrypted (${e.reason}); session re-established`));
  client.on('tampered', (e) => say(`! discarded an envelope that failed authentication (${e.reason})`));
  client.on('group-change', (e) => say(`* group ${groupName(e.group)}: ${e.change}`));
  client.on('receipt', (e) => say(`* ${name(e.from)} ${e.receipt} ${e.ids.length} message(s)`));
  client.on('connection-state', (e) => say(`* ${e.state}${e.reason === undefined ? '' : `: ${e.reason.message}`}${e.delayMs === undefined ? '' : ` (retrying in ${e.delayMs} ms)`}`));
  client.on('send-failed', (e) => say(`! a message to ${e.to} was refused by the relay (${e.code})`));
  client.on('invite-refused', (e) => say(`! ${name(e.contact)}: that invitation had already been used; ask for a new one`));
  client.on('devices-changed', (e) => say(`* ${e.self ? 'your account' : name(e.contact as Contact)}: ${e.added.length} device(s) added, ${e.removed.length} removed`));
  client.on('device-list-conflict', (e) => say(`! the device list of ${e.contact === undefined ? e.account.slice(0, 8) : name(e.contact)} conflicts with one seen before (${e.reason})`));
  await client.ready();
  say(`* ready as ${o.profile}`);

  let target: string | undefined;
  const findContact = (arg: string | undefined): Contact => {
    const a = (arg ?? '').toLowerCase();
    const c = client.contacts().find((x) => x.name?.toLowerCase() === a) ?? client.contacts().find((x) => a.length >= 4 && x.id.startsWith(a));
    if (c === undefined) throw new Error(`no contact "${arg ?? ''}"`);
    return c;
  };
  const findGroup = (arg: string | undefined): GroupInfo => {
    const a = (arg ?? '').replace(/^#/, '').toLowerCase();
    const g = client.groups().find((x) => x.name.toLowerCase() === a) ?? client.groups().find((x) => a.length >= 4 && x.id.startsWith(a));
    if (g === undefined) throw new Error(`no group "${arg ?? ''}"`);
    return g;
  };
  const sendTo = async (to: string, text: string): Promise<void> => {
    if (to.startsWith('#')) await client.sendToGroup(findGroup(to).id, { type: 'text', text });
    else await client.send(findContact(to).id, { type: 'text', text });
    say(`> sent`);
  };

  const handle = async (line: string): Promise<boolean> => {
    const [cmd = '', ...rest] = line.trim().split(/\s+/);
    const arg = rest.join(' ');
    switch (cmd) {
      case '': return true;
      case '/help': say(HELP); return true;
      case '/quit': return false;
      case '/invite': say(`invite: ${(await client.createInvite({ multiUse: arg === 'multi' })).text}`); return true;
      case '/accept': say(`* ${name(await client.acceptInvite(arg))} added as a contact`); return true;
      case '/contacts':
        for (const c of client.contacts()) say(`  ${name(c)} ${c.id.slice(0, 8)}${c.verified ? ' verified' : ''}${c.changed ? ' CHANGED' : ''}${c.blocked ? ' blocked' : ''}`);
        return true;
      case '/groups':
        for (const g of client.groups()) say(`  #${g.name} ${g.id.slice(0, 8)} ${g.mode} (${g.members.length} members)`);
        return true;
      case '/to': target = arg.startsWith('#') ? `#${findGroup(arg).name}` : findContact(arg).name ?? findContact(arg).id; say(`* talking to ${target}`); return true;
      case '/msg': await sendTo(rest[0] ?? '', rest.slice(1).join(' ')); return true;
      case '/g': await sendTo(`#${rest[0] ?? ''}`, rest.slice(1).join(' ')); return true;
      case '/safety': say(`safety number with ${name(findContact(arg))}: ${client.safetyNumber(findContact(arg).id)}`); return true;
      case '/verify': await client.setVerified(findContact(arg).id); say('* verified'); return true;
      case '/approve': await client.approveIdentity(findContact(arg).id); say('* approved'); return true;
      case '/block': await client.block(findContact(arg).id); say('* blocked'); return true;
      case '/history':
        for (const m of await client.messages(arg === '' ? {} : { contact: findContact(arg).id })) {
          const from = client.contacts().find((c) => c.id === m.from);
          say(`  ${from === undefined ? m.from.slice(0, 8) : name(from)}: ${render(m.content)}`);
        }
        return true;
      case '/group': await groupCommand(rest); return true;
      case '/file': await files.send(rest[0] ?? '', rest.slice(1).join(' ')); return true;
      case '/save': await files.save(rest[0] ?? '', rest.slice(1).join(' ')); return true;
      case '/stickerpack': await files.pack(rest[0] ?? '', rest.slice(1)); return true;
      case '/sticker': await files.sticker(rest[0] ?? '', rest[1] ?? ''); return true;
      case '/channel': await channelCommand(rest); return true;
      case '/link': await links.link(arg); return true;
      case '/devices': links.devices(); return true;
      case '/revoke': await links.revoke(arg); return true;
      case '/subscribe': say(`* subscribed through ${name((await client.subscribe(arg)).contact)}: the channel arrives shortly`); return true;
      case '/unsubscribe': await client.unsubscribe(findGroup(arg).id); say('* unsubscribed'); return true;
      default:
        if (links.answers(line)) return true;
        if (cmd.startsWith('/')) throw new Error(`unknown command ${cmd} (/help lists them)`);
        if (target === undefined) throw new Error('no conversation: /to <contact> first, or /msg <contact> <text>');
        await sendTo(target, line.trim());
        return true;
    }
  };

  const channelCommand = async (rest: string[]): Promise<void> => {
    const [sub, c] = rest;
    if (sub === 'create') say(`* channel ${(await client.createGroup(c ?? 'channel', [], { channel: true })).name} created`);
    else if (sub === 'invite') say(`channel invite: ${(await client.createChannelInvite(findGroup(c ?? '').id)).text}`);
    else throw new Error('usage: /channel create <name> | /channel invite <channel>');
  };

  const groupCommand = async (rest: string[]): Promise<void> => {
    const [sub, g, ...more] = rest;
    if (sub === 'create') {
      const members = (more.join(' ') || '').split(',').filter((s) => s.trim() !== '').map((s) => findContact(s.trim()).id);
      const info = await client.createGroup(g ?? 'group', members);
      say(`* group ${info.name} created (${info.members.length} members)`);
    } else if (sub === 'add') {
      await client.addMember(findGroup(g).id, findContact(more.join(' ')).id);
      say('* added');
    } else if (sub === 'remove') {
      await client.removeMember(findGroup(g).id, findContact(more.join(' ')).id);
      say('* removed');
    } else if (sub === 'leave') {
      await client.leaveGroup(findGroup(g).id);
      say('* left');
    } else {
      throw new Error('usage: /group create|add|remove|leave …');
    }
  };

  const lines = createInterface({ input: o.input, terminal: false });
  try {
    for await (const line of lines) {
      try {
        if (!(await handle(line))) break;
      } catch (e) {
        say(`error: ${describe(e)}`);
      }
    }
  } finally {
    lines.close();
    await client.close();
  }
  return 0;
}

function render(c: Content): string {
  const b = c.body;
  switch (b.type) {
    case 'text': return b.replyTo === undefined ? b.text : `(reply) ${b.text}`;
    case 'reaction': return `reacted ${b.emoji}`;
    case 'sticker': return `[sticker ${b.sticker}]`;
    case 'attachment': return `[attachment ${b.mime}, ${b.size} bytes${b.name === undefined ? '' : `: ${b.name}`}]`;
    case 'custom': return `[${b.custom}, ${b.payload.length} bytes]`;
    default: return `[${b.type}]`;
  }
}

function describe(e: unknown): string {
  if (isClientError(e) || isProtocolError(e)) return e.message;
  return e instanceof Error ? e.message : String(e);
}
