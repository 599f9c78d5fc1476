/** Rendering: the sidebar (contacts, groups) and the open chat, from the client and the sent log. */
import { toHex } from '../src/crypto/index.js';
import type { Client, Contact, GroupInfo } from '../src/index.js';
import { $, h, show } from './dom.js';
import { attachmentWidget } from './files.js';
import type { SentLog } from './sent-log.js';

export type Selection = { readonly kind: 'contact' | 'group'; readonly id: string };

const label = (c: Contact): string => c.name ?? c.id.slice(0, 8);

export function renderSidebar(client: Client, selected: Selection | undefined, onSelect: (s: Selection) => void): void {
  const picked = new Set(Array.from(document.querySelectorAll<HTMLInputElement>('input[data-pick]:checked')).map((c) => c.dataset['pick']));
  $('contacts').replaceChildren(...client.contacts().map((c) => {
    const pick = h('input', { type: 'checkbox', 'data-pick': c.id, title: 'member of a new group' }) as HTMLInputElement;
    pick.checked = picked.has(c.id);
    const link = h('button', { class: 'pick', 'data-contact': label(c) }, label(c), c.verified ? ' ✓' : '');
    link.onclick = () => onSelect({ kind: 'contact', id: c.id });
    return h('li', selected?.id === c.id ? { class: 'selected' } : {}, pick, link);
  }));
  $('groups').replaceChildren(...client.groups().map((g) => {
    const link = h('button', { class: 'pick', 'data-group': g.name }, g.mode === 'channel' ? `${g.name} (channel)` : `# ${g.name}`);
    link.onclick = () => onSelect({ kind: 'group', id: g.id });
    return h('li', selected?.id === g.id ? { class: 'selected' } : {}, link);
  }));
}

interface Line { readonly at: number; readonly mine: boolean; readonly who: string; readonly body: Node; readonly state?: string }

export async function renderChat(client: Client, sent: SentLog, s: Selection): Promise<void> {
  const group = s.kind === 'group' ? client.group(s.id) : undefined;
  const title = group?.name ?? label(client.contact(s.id));
  $('chat-title').textContent = group === undefined ? title : `${group.mode === 'channel' ? 'channel' : 'group'} ${title} (${group.members.length} members)`;
  show('safety-btn', group === undefined);
  show('channel-invite-btn', group?.mode === 'channel' && group.admin);
  show('unsubscribe-btn', group?.mode === 'channel' && !group.admin);
  const names = new Map(client.contacts().map((c) => [c.id, label(c)]));
  const received = await client.messages(group === undefined ? { contact: s.id } : { group: s.id });
  const lines: Line[] = [
    ...received.map((m) => ({
      at: m.receivedAt, mine: false, who: names.get(m.from) ?? m.from.slice(0, 8),
      body: m.content.body.type === 'attachment' ? attachmentWidget(client, toHex(m.content.id), m.content.body) : text(textOf(m.content.body)),
    })),
    ...sent.to(s.id).map((m) => ({ at: m.at, mine: true, who: 'me', body: text(m.text), state: m.state })),
  ].sort((a, b) => a.at - b.at);
  $('messages').replaceChildren(...lines.map((l) => h('li', { class: l.mine ? 'mine' : 'theirs' },
    h('span', { class: 'who' }, l.who), l.body, ...(l.state === undefined ? [] : [h('span', { class: 'state' }, l.state)]))));
  show('chat', true);
  const input = $<HTMLInputElement>('text');
  input.disabled = group !== undefined && (!canPost(group) || !group.ready);
  $<HTMLInputElement>('file').disabled = input.disabled;
  input.placeholder = group === undefined ? 'message' : !canPost(group) ? 'a channel: only its owner posts' : group.ready ? 'message' : 'waiting for members to join…';
}

const text = (t: string): Node => h('span', { class: 'text' }, t);

function textOf(body: { type: string; text?: string }): string {
  return body.type === 'text' ? body.text ?? '' : `[${body.type}]`;
}

/** In a channel only its admins (the creator) post; members read (client.md §6.2). */
function canPost(group: GroupInfo): boolean {
  return group.mode !== 'channel' || group.admin;
}
