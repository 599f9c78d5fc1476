/**
 * Files in the chat pane (client.md §2.4): the picked File is sent to the open
 * contact or group with a progress bar and a cancel button; a received
 * attachment is a message with its name, size and a download button, which
 * downloads with progress into a Blob shown as a save link (and inline, for an
 * image). A tampered, refused or cancelled download is an error on that
 * message. The per-message widget is kept across re-renders, so a download in
 * progress survives the chat being drawn again.
 */
import type { Client, FilePointer } from '../src/index.js';
import { $, h, show } from './dom.js';

/** The download widget of each received attachment, by message id (hex). */
const widgets = new Map<string, HTMLElement>();

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

const fileLabel = (name: string | undefined, size: number): string => `file: ${name ?? 'file'} (${formatSize(size)})`;

/** Sends `file` to `target` (a contact or group id) showing #upload's progress and cancel; resolves with the message id and its label. */
export async function sendPicked(client: Client, target: string, file: File): Promise<{ id: Uint8Array; text: string }> {
  const cancel = new AbortController();
  const bar = $<HTMLProgressElement>('upload-progress');
  bar.value = 0;
  bar.max = Math.max(file.size, 1);
  $('upload-name').textContent = fileLabel(file.name, file.size);
  $('upload-cancel').onclick = () => cancel.abort();
  show('upload', true);
  try {
    const content = await client.sendFile(target, file, {
      type: mimeOf(file), name: file.name.slice(0, 255) || 'file', signal: cancel.signal,
      onProgress: (p) => { bar.max = Math.max(p.total, 1); bar.value = p.done; },
    });
    return { id: content.id, text: fileLabel(file.name, file.size) };
  } finally {
    show('upload', false);
  }
}

/** The pointer's media type must be lowercase `type/subtype` (client.md §2); anything else is sent as bytes. */
function mimeOf(file: File): string {
  const type = file.type.toLowerCase().split(';')[0]!.trim();
  return /^[a-z0-9!#$&^_.+-]{1,64}\/[a-z0-9!#$&^_.+-]{1,64}$/.test(type) ? type : 'application/octet-stream';
}

/** A received attachment: its label and a download button (the same element each time for one message). */
export function attachmentWidget(client: Client, id: string, pointer: FilePointer): HTMLElement {
  let widget = widgets.get(id);
  if (widget !== undefined) return widget;
  const status = h('span', { class: 'file-status' });
  const button = h('button', { class: 'download' }, 'download') as HTMLButtonElement;
  widget = h('span', { class: 'file' }, h('span', { class: 'text' }, fileLabel(pointer.name, pointer.size)), ' ', button, ' ', status);
  button.onclick = () => void download(client, pointer, button, status);
  widgets.set(id, widget);
  return widget;
}

async function download(client: Client, pointer: FilePointer, button: HTMLButtonElement, status: HTMLElement): Promise<void> {
  button.disabled = true;
  const bar = h('progress', { max: String(Math.max(pointer.size, 1)), value: '0' }) as HTMLProgressElement;
  status.replaceChildren(bar);
  status.className = 'file-status';
  try {
    // Verified chunks go into Blob parts (no downloadBytes cap; the browser may keep a large Blob on disk).
    const parts: BlobPart[] = [];
    await client.download(pointer, new WritableStream<Uint8Array>({ write: (chunk) => void parts.push(chunk as Uint8Array<ArrayBuffer>) }), { onProgress: (p) => void (bar.value = p.done) });
    const blob = new Blob(parts, { type: pointer.mime });
    const url = URL.createObjectURL(blob);
    const save = h('a', { class: 'saved', href: url, download: pointer.name ?? 'file' }, `save (${blob.size} bytes)`);
    const inline = pointer.mime.startsWith('image/') ? [h('br'), h('img', { src: url, alt: pointer.name ?? 'image', class: 'inline' })] : [];
    status.replaceChildren(save, ...inline);
    button.hidden = true;
  } catch (e) {
    // A tampered or truncated blob (ProtocolError), an expired one (BLOB_REFUSED), an unreachable relay: on this message.
    status.className = 'file-status file-error';
    status.replaceChildren(`download failed: ${(e as { code?: string }).code ?? (e as Error).message}`);
    button.disabled = false;
    button.textContent = 'retry';
  }
}
