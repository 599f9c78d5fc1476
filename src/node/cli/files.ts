/**
 * Files in the terminal chat: `/file <contact|#group> <path>` sends a file
 * with a progress bar; received attachments are numbered, and
 * `/save <n> [path]` downloads one. A download goes to `<path>.part` and is
 * renamed only once every chunk verified, so a failed or tampered download
 * never leaves a file that looks complete. `/stickerpack <title> <image>…` uploads
 * a sticker pack and `/sticker <contact|#group> <n>` sends from it; a received
 * sticker's image is fetched (once per pack and image) and described.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import type { Client } from '../../client/client.js';
import type { FilePointer, StickerPackRef, TransferProgress } from '../../client/files/index.js';
import type { Content } from '../../wire/client/content.js';
import { nodeWritableSink } from '../file-sink.js';

const TYPES: Readonly<Record<string, string>> = {
  '.txt': 'text/plain', '.md': 'text/markdown', '.pdf': 'application/pdf', '.png': 'image/png', '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.webp': 'image/webp', '.mp3': 'audio/mpeg', '.ogg': 'audio/ogg',
  '.mp4': 'video/mp4', '.zip': 'application/zip', '.json': 'application/json',
};
const BAR = 20;

export interface FileCommands {
  /** Numbers a received attachment, fetches a received sticker; returns the hint to show with it. */
  received(content: Content): string;
  send(to: string, path: string): Promise<void>;
  save(n: string, path: string): Promise<void>;
  /** Uploads a sticker pack from image files (client.md §2.5); `sticker` sends from the last one. */
  pack(title: string, paths: readonly string[]): Promise<void>;
  sticker(to: string, n: string): Promise<void>;
}

const EMOJI = ['🙂', '😀', '😂', '😍', '😎', '😢', '👍', '🎉'];

export function fileCommands(client: Client, say: (line: string) => void, targetId: (arg: string) => string): FileCommands {
  const inbox: FilePointer[] = [];
  let pack: StickerPackRef | undefined;
  return {
    received: (content) => {
      const body = content.body;
      if (body.type === 'sticker') {
        client.stickerImage(body).then((s) => say(`* sticker ${s.emoji}: ${s.mime}, ${s.bytes.length} bytes`), (e: unknown) => say(`! sticker not fetched: ${(e as Error).message}`));
        return '';
      }
      if (body.type !== 'attachment') return '';
      inbox.push(body);
      return ` (/save ${inbox.length})`;
    },
    pack: async (title, paths) => {
      if (title === '' || paths.length === 0) throw new Error('usage: /stickerpack <title> <image> [image…]');
      const stickers = await Promise.all(paths.map(async (path, i) => ({
        emoji: EMOJI[i % EMOJI.length] as string, data: createReadStream(path), size: (await stat(path)).size,
        type: TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
      })));
      pack = await client.createStickerPack(title, stickers);
      say(`* sticker pack ${title}: ${pack.count} stickers (/sticker <contact|#group> <1..${pack.count}>)`);
    },
    sticker: async (to, n) => {
      if (pack === undefined) throw new Error('no sticker pack yet: /stickerpack <title> <image>…');
      const index = Number(n) - 1;
      if (!Number.isInteger(index) || index < 0 || index >= pack.count) throw new Error(`usage: /sticker <contact|#group> <1..${pack.count}>`);
      await client.sendSticker(targetId(to), pack, index);
      say('> sent sticker');
    },
    send: async (to, path) => {
      if (to === '' || path === '') throw new Error('usage: /file <contact|#group> <path>');
      const id = targetId(to);
      const { size } = await stat(path);
      await client.sendFile(id, createReadStream(path), {
        type: TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream', name: basename(path), size, onProgress: progressBar(say),
      });
      say(`> sent ${basename(path)} (${size} bytes)`);
    },
    save: async (n, path) => {
      const pointer = inbox[Number(n) - 1];
      if (pointer === undefined) throw new Error(`no attachment ${n} (received: ${inbox.length})`);
      const target = path !== '' ? path : basename(pointer.name ?? `file-${inbox.indexOf(pointer) + 1}`);
      await client.download(pointer, nodeWritableSink(createWriteStream(`${target}.part`)), { onProgress: progressBar(say) });
      await rename(`${target}.part`, target);
      say(`* saved ${target} (${pointer.size} bytes, verified)`);
    },
  };
}

/** A bar printed at each quarter: lines, so that it reads the same in a terminal and through a pipe. */
function progressBar(say: (line: string) => void): (p: TransferProgress) => void {
  let shown = -1;
  return (p) => {
    const quarter = Math.floor((p.done / Math.max(1, p.total)) * 4);
    if (quarter <= shown) return;
    shown = quarter;
    const filled = Math.round((quarter / 4) * BAR);
    say(`[${'#'.repeat(filled)}${'-'.repeat(BAR - filled)}] ${quarter * 25}%`);
  };
}
