/**
 * The Parley web chat (npm run web): one profile per browser profile, kept in
 * IndexedDB (IndexedDbStore, sealed at rest); a second tab on the same
 * profile is refused. Create an identity, invite by link or QR, accept in
 * another window, chat 1:1 with delivery state, groups and channels (with a
 * subscription link anyone can open, client.md §6.6), compare
 * safety numbers, and send and receive files with progress (web/files.ts).
 */
import { encodeQR } from 'qr';
import { IndexedDbStore } from '../src/browser/index.js';
import { systemRandom, toHex } from '../src/crypto/index.js';
import { Client, isClientError, isStoreError, newContent, parseInvite, type Contact, type MessageEvent } from '../src/index.js';
import { $, show } from './dom.js';
import { sendPicked } from './files.js';
import { SentLog } from './sent-log.js';
import { renderChat, renderSidebar, type Selection } from './view.js';

const relay = document.querySelector<HTMLMetaElement>('meta[name="parley-relay"]')?.content ?? 'ws://127.0.0.1:8787';
const NAME_KEY = 'parley-web-name';

interface App {
  readonly client: Client;
  readonly sent: SentLog;
  /** Message ids already receipted as read in this page's life. */
  readonly read: Set<string>;
  selected?: Selection;
  /** A channel subscribed to whose welcome has not arrived yet: opened when it does. */
  awaited?: string;
}

function fail(e: unknown): void {
  notice(e instanceof Error ? e.message : String(e));
}

/** Something the user should know (an error, a changed safety number), in the banner. */
function notice(text: string): void {
  $('error').textContent = text;
  show('error', true);
}

async function start(name: string): Promise<void> {
  let store: IndexedDbStore;
  let sentStore: IndexedDbStore;
  try {
    store = await IndexedDbStore.open({ name: 'parley' });
    sentStore = await IndexedDbStore.open({ name: 'parley-sent' });
  } catch (e) {
    if (isStoreError(e, 'LOCKED')) return show('locked', true);
    throw e;
  }
  const client = await Client.open({ relay, store, displayName: name });
  const app: App = { client, sent: await SentLog.open(sentStore), read: new Set() };
  $('me').textContent = name;
  show('app', true);
  wire(app);
  await render(app);
  offerInvite(app);
}

/** Re-renders the sidebar and the open chat (a group waiting for its members' tokens is re-rendered on `group-ready`). */
async function render(app: App): Promise<void> {
  renderSidebar(app.client, app.selected, (s) => void select(app, s));
  const s = app.selected;
  if (s === undefined) return;
  await renderChat(app.client, app.sent, s);
}

async function select(app: App, s: Selection): Promise<void> {
  app.selected = s;
  show('safety', false);
  show('channel-invite', false);
  await render(app);
  if (s.kind === 'contact') await markRead(app, s.id);
}

async function markRead(app: App, contactId: string): Promise<void> {
  const unread = (await app.client.messages({ contact: contactId })).map((m) => m.content.id).filter((id) => !app.read.has(toHex(id)));
  if (unread.length === 0) return;
  for (const id of unread) app.read.add(toHex(id));
  await app.client.markRead(contactId, unread).catch(fail);
}

function wire(app: App): void {
  const { client } = app;
  const rerender = (): void => void render(app).catch(fail);
  client.on('connection-state', (e) => void ($('conn').textContent = e.state));
  client.on('contact-added', rerender);
  client.on('group-ready', rerender); // enables the composer of a group that was waiting for its members
  client.on('group-change', (e) => {
    if (e.group === app.awaited && e.change === 'joined') {
      app.awaited = undefined;
      void select(app, { kind: 'group', id: e.group }).catch(fail);
    } else rerender();
  });
  client.on('message', (m) => void onMessage(app, m).catch(fail));
  client.on('receipt', (r) => void Promise.all(r.ids.map((id) => app.sent.mark(toHex(id), r.receipt))).then(rerender, fail));
  client.on('send-failed', (e) => void app.sent.mark(toHex(e.id), 'failed').then(rerender, fail));
  client.on('identity-changed', (e) => notice(`${e.contact.name ?? 'A contact'}'s safety number changed${e.wasVerified ? ': compare it again before you trust this contact' : ''}.`));
  client.on('message-lost', (e) => notice(`A message${e.contact?.name === undefined ? '' : ` from ${e.contact.name}`} could not be decrypted; the session was re-established.`));
  $('invite-btn').onclick = () => void invite(app).catch(fail);
  $<HTMLFormElement>('compose').onsubmit = (ev) => {
    ev.preventDefault();
    void send(app).catch(fail);
  };
  $<HTMLInputElement>('file').onchange = () => void sendFile(app).catch(fail);
  $<HTMLFormElement>('new-group').onsubmit = (ev) => {
    ev.preventDefault();
    void createGroup(app).catch(fail);
  };
  $('safety-btn').onclick = () => safety(app);
  $('channel-invite-btn').onclick = () => void channelInvite(app).catch(fail);
  $('unsubscribe-btn').onclick = () => void unsubscribe(app).catch(fail);
  $('verify-btn').onclick = () => {
    if (app.selected?.kind === 'contact') void client.setVerified(app.selected.id).then(() => safety(app), fail);
  };
}

async function onMessage(app: App, m: MessageEvent): Promise<void> {
  if (m.content.body.type === 'receipt') return;
  const contact = m.group === undefined ? (m.from as Contact) : undefined;
  if (contact !== undefined) await app.client.send(contact.id, { type: 'receipt', receipt: 'delivered', ids: [m.content.id] });
  const open = app.selected?.id === (m.group ?? contact?.id);
  await render(app);
  if (open && contact !== undefined && document.visibilityState === 'visible') await markRead(app, contact.id);
}

async function send(app: App): Promise<void> {
  const input = $<HTMLInputElement>('text');
  const s = app.selected;
  if (s === undefined || input.value.trim() === '') return;
  const content = newContent({ type: 'text', text: input.value }, systemRandom);
  const id = toHex(content.id);
  input.value = '';
  await app.sent.add({ to: s.id, group: s.kind === 'group', id, text: content.body.type === 'text' ? content.body.text : '', at: content.timestamp, state: 'sending' });
  await render(app);
  try {
    if (s.kind === 'group') await app.client.sendToGroup(s.id, content);
    else await app.client.send(s.id, content);
    await app.sent.mark(id, 'sent');
  } catch (e) {
    await app.sent.mark(id, 'failed');
    fail(e);
  }
  await render(app);
}

/** Sends the picked file to the open chat; once the relay holds it and the pointer is sent, it joins the sent log. */
async function sendFile(app: App): Promise<void> {
  const input = $<HTMLInputElement>('file');
  const file = input.files?.[0];
  const s = app.selected;
  input.value = '';
  if (file === undefined || s === undefined) return;
  // Cancel (ABORTED) is the user's choice, not an error: nothing was sent.
  const sent = await sendPicked(app.client, s.id, file).catch((e: unknown) => (isClientError(e, 'ABORTED') ? undefined : Promise.reject(e)));
  if (sent === undefined) return;
  await app.sent.add({ to: s.id, group: s.kind === 'group', id: toHex(sent.id), text: sent.text, at: Date.now(), state: 'sent' });
  await render(app);
}

async function invite(app: App): Promise<void> {
  showLink('invite', (await app.client.createInvite()).text, 'invite');
}

/** The link and QR code a channel's admin hands out: whoever opens it may subscribe (client.md §6.6). */
async function channelInvite(app: App): Promise<void> {
  if (app.selected?.kind !== 'group') return;
  showLink('channel', (await app.client.createChannelInvite(app.selected.id)).text, 'channel-invite');
}

/** Shows an invitation as a link to this page (#invite=… or #channel=…) and as its QR code. */
function showLink(kind: 'invite' | 'channel', text: string, box: string): void {
  const link = `${location.origin}${location.pathname}#${kind}=${encodeURIComponent(text)}`;
  $<HTMLInputElement>(`${kind}-link`).value = link;
  $(`${kind}-qr`).innerHTML = encodeQR(link, 'svg');
  show(box, true);
}

async function unsubscribe(app: App): Promise<void> {
  if (app.selected?.kind !== 'group') return;
  await app.client.unsubscribe(app.selected.id);
  app.selected = undefined;
  show('chat', false);
  await render(app);
}

/** An invitation in the address (#invite=… or #channel=…): ask before accepting it. */
function offerInvite(app: App): void {
  const params = new URLSearchParams(location.hash.slice(1));
  const channel = params.get('channel');
  const text = params.get('invite');
  if (channel !== null) {
    // parley-channel:<channel id>:<the admin's contact invitation> (client.md §6.6)
    offer('subscribe', channel.slice(channel.indexOf(':', 'parley-channel:'.length) + 1), async () => {
      const { channel: id } = await app.client.subscribe(channel);
      // The channel arrives as group-change 'joined' once its admin has added us (usually after this).
      if (app.client.groups().some((g) => g.id === id)) await select(app, { kind: 'group', id });
      else app.awaited = id;
    });
  } else if (text !== null) {
    offer('accept', text, async () => {
      const contact = await app.client.acceptInvite(text);
      await select(app, { kind: 'contact', id: contact.id });
    });
  }
}

/** Shows the banner `banner` naming the inviter; its button runs `act` and clears the address. */
function offer(banner: 'accept' | 'subscribe', invite: string, act: () => Promise<void>): void {
  try {
    $(`${banner}-name`).textContent = parseInvite(invite).name ?? 'someone';
  } catch (e) {
    return fail(e);
  }
  show(banner, true);
  $(`${banner}-btn`).onclick = () => void act().then(() => {
    history.replaceState(null, '', location.pathname);
    show(banner, false);
  }, fail);
}

async function createGroup(app: App): Promise<void> {
  const name = $<HTMLInputElement>('group-name').value.trim();
  const members = Array.from(document.querySelectorAll<HTMLInputElement>('input[data-pick]:checked')).map((c) => c.dataset['pick']!);
  if (name === '' || members.length === 0) return fail(new Error('name the group and tick its members'));
  const group = await app.client.createGroup(name, members, { channel: $<HTMLInputElement>('group-channel').checked });
  $<HTMLInputElement>('group-name').value = '';
  await select(app, { kind: 'group', id: group.id });
}

function safety(app: App): void {
  if (app.selected?.kind !== 'contact') return;
  const digits = app.client.safetyNumber(app.selected.id);
  $('safety-digits').textContent = digits.replace(/(\d{5})(?=\d)/g, '$1 ');
  $('safety-qr').innerHTML = encodeQR(digits, 'svg');
  $('verified').textContent = app.client.contact(app.selected.id).verified ? 'verified' : 'not verified';
  show('safety', true);
}

function setup(): void {
  const name = localStorage.getItem(NAME_KEY);
  if (name !== null) return void start(name).catch(fail);
  show('setup', true);
  $<HTMLFormElement>('setup').onsubmit = (ev) => {
    ev.preventDefault();
    const chosen = $<HTMLInputElement>('name').value.trim();
    if (chosen === '') return;
    localStorage.setItem(NAME_KEY, chosen);
    show('setup', false);
    void start(chosen).catch(fail);
  };
}

setup();
