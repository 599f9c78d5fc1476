/**
 * Files, end to end (issue 14; protocol.md §11, relay.md §12): for each size,
 * encrypt + upload + send (Alice) and download + verify + decrypt (Bob)
 * through a relay process with its disk blob store, in MB/s of file bytes,
 * beside what bounds it in the same run: the raw ChaCha20-Poly1305 throughput
 * of each provider (64 KiB chunks, as files use) and a plain HTTP copy of the
 * same bytes on loopback (PUT streamed to a file and fsynced, then GET). RSS
 * growth of the client process and of the relay process during the transfer.
 * `npx tsx bench/files.ts [sizes in MiB, comma-separated]` runs it alone;
 * PARLEY_FILES_NODE_ARGS adds node flags to the relay and client processes,
 * e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile both sides.
 */
import { fork, spawn } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nobleProvider, type CryptoProvider } from '../src/crypto/index.js';
import { nodeCryptoProvider } from '../src/node/index.js';
import { freePort } from '../demo/harness.js';

const MiB = 1024 * 1024;
export const FILE_SIZES_MIB = [1, 64] as const;
const root = fileURLToPath(new URL('..', import.meta.url));
const tsx = import.meta.resolve('tsx');
const nodeArgs = process.env['PARLEY_FILES_NODE_ARGS']?.split(' ').filter((a) => a !== '') ?? [];

export interface FilesRow {
  readonly size: number;
  readonly uploadMBs: number;
  readonly downloadMBs: number;
  readonly endToEndMBs: number;
  readonly plainMBs: number;
  readonly clientRssMB: number;
  readonly relayRssMB: number;
  /** CPU time of each process over the transfer (upload and download): what a loaded machine does not change much. */
  readonly clientCpuMs: number;
  readonly relayCpuMs: number;
}

export interface FilesResults {
  readonly aead: readonly { readonly provider: string; readonly MBs: number }[];
  readonly rows: readonly FilesRow[];
}

/** ChaCha20-Poly1305 seal of 64 KiB chunks, `total` bytes. */
function aeadMBs(p: CryptoProvider, total: number): number {
  const key = new Uint8Array(32).fill(7);
  const chunk = new Uint8Array(64 * 1024).fill(1);
  const nonce = new Uint8Array(12);
  const t0 = performance.now();
  for (let done = 0; done < total; done += chunk.length) p.aeadSeal(key, nonce, chunk, new Uint8Array(0));
  return total / MiB / ((performance.now() - t0) / 1000);
}

/** The plain HTTP copy's server: PUT streams the body to a file and fsyncs it, GET streams it back. */
function plainServer(dir: string): Server {
  const path = join(dir, 'copy');
  return createServer((req, res) => {
    if (req.method === 'PUT') {
      const out = createWriteStream(path);
      req.pipe(out);
      out.on('finish', () => {
        void open(path, 'r+').then(async (h) => { await h.sync(); await h.close(); res.end(); });
      });
    } else {
      createReadStream(path).pipe(res);
    }
  });
}

/** User + system CPU time of a process so far, in ms (/proc/<pid>/stat fields 14 and 15, in clock ticks of 10 ms). */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? 0 : Number(m[1]) * 1024;
}

async function startRelay(dir: string): Promise<{ url: string; pid: number; stop: () => void }> {
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeArgs, '--import', tsx, `${root}relay/cli.ts`, '--host', '127.0.0.1', '--port', String(port), '--data', dir,
    '--log-level', 'silent', '--metrics-port', '0'], { stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
    } catch {
      // not up yet
    }
    if (i > 200) {
      child.kill('SIGTERM'); // not left running after the bench gave up on it
      throw new Error('the relay did not start');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url: `ws://127.0.0.1:${port}`, pid: child.pid as number, stop: () => child.kill('SIGTERM') };
}

export async function runFilesBench(log: (line: string) => void, sizesMiB: readonly number[] = FILE_SIZES_MIB): Promise<FilesResults> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-files-bench-'));
  const aead = [nodeCryptoProvider, nobleProvider].map((p) => ({ provider: p.name, MBs: aeadMBs(p, (p === nobleProvider ? 32 : 128) * MiB) }));
  log(`  AEAD: ${aead.map((a) => `${a.provider} ${a.MBs.toFixed(0)} MB/s`).join(', ')}`);
  const relay = await startRelay(join(dir, 'relay'));
  const plain = plainServer(dir);
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
  const plainUrl = `http://127.0.0.1:${(plain.address() as { port: number }).port}`;
  const rows: FilesRow[] = [];
  try {
    const child = fork(`${root}bench/files-child.ts`, [relay.url, plainUrl, sizesMiB.map((s) => s * MiB).join(',')], {
      execArgv: [...nodeArgs, '--import', tsx, '--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let relayBase = 0;
    let relayPeak = 0;
    let relayCpuBase = 0;
    let relayCpuMs = 0;
    const sampler = setInterval(() => { relayPeak = Math.max(relayPeak, rssOf(relay.pid)); }, 10);
    await new Promise<void>((resolve, reject) => {
      child.on('message', (m: Record<string, number | string | boolean>) => {
        // Repeated runs of a small file: RSS growth over the first run's base, relay CPU summed over the runs.
        if (m['phase'] === 'begin') {
          if (m['first'] === true) {
            relayBase = relayPeak = rssOf(relay.pid);
            relayCpuMs = 0;
          }
          relayCpuBase = cpuMsOf(relay.pid);
        }
        if (m['phase'] === 'parley-end') {
          relayPeak = Math.max(relayPeak, rssOf(relay.pid));
          relayCpuMs += cpuMsOf(relay.pid) - relayCpuBase;
        }
        if (m['phase'] !== 'end') return;
        const size = m['size'] as number;
        const [up, down, pUp, pDown] = ['uploadMs', 'downloadMs', 'plainUpMs', 'plainDownMs'].map((k) => m[k] as number) as [number, number, number, number];
        const mbs = (ms: number): number => size / MiB / (ms / 1000);
        const row = {
          size, uploadMBs: mbs(up), downloadMBs: mbs(down), endToEndMBs: mbs(up + down), plainMBs: mbs(pUp + pDown),
          clientRssMB: (m['clientRss'] as number) / MiB, relayRssMB: (relayPeak - relayBase) / MiB,
          clientCpuMs: m['clientCpuMs'] as number, relayCpuMs: relayCpuMs / (m['runs'] as number),
        };
        rows.push(row);
        log(`  ${size / MiB} MiB: end to end ${row.endToEndMBs.toFixed(1)} MB/s, plain HTTP copy ${row.plainMBs.toFixed(1)} MB/s, RSS client +${row.clientRssMB.toFixed(1)} MB relay +${row.relayRssMB.toFixed(1)} MB, CPU client ${row.clientCpuMs.toFixed(0)} ms relay ${row.relayCpuMs.toFixed(0)} ms`);
      });
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`files bench child exited ${code}`))));
    });
    clearInterval(sampler);
  } finally {
    relay.stop();
    plain.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return { aead, rows };
}

export function filesSection(r: FilesResults | string): string {
  if (typeof r === 'string') return `Could not run: ${r}`;
  const aead = r.aead.map((a) => `${a.provider} ${a.MBs.toFixed(0)} MB/s`).join(', ');
  const lines = [
    '| file | encrypt + upload + send | download + verify + decrypt | end to end | plain HTTP copy (PUT + GET) | end to end / plain | client RSS growth | relay RSS growth | CPU client / relay |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...r.rows.map((x) => `| ${x.size / MiB} MiB | ${x.uploadMBs.toFixed(1)} MB/s | ${x.downloadMBs.toFixed(1)} MB/s | ${x.endToEndMBs.toFixed(1)} MB/s | ${x.plainMBs.toFixed(1)} MB/s | ${(x.endToEndMBs / x.plainMBs * 100).toFixed(0)} % | ${x.clientRssMB.toFixed(1)} MB | ${x.relayRssMB.toFixed(1)} MB | ${x.clientCpuMs.toFixed(0)} / ${x.relayCpuMs.toFixed(0)} ms |`),
  ];
  return `${lines.join('\n')}\n\nRaw ChaCha20-Poly1305 (64 KiB chunks, same run): ${aead}. The clients use the node provider. MB/s are file bytes (MiB) per second of wall time; end to end is the file's size over upload time plus download time (each side's encryption, the relay's fsync per 4 MiB segment and digest check included; the next segment is sealed while one is in flight). One untimed 256 KiB transfer each way warms both paths up first. Files up to 8 MiB are sent 7 times, each followed by the plain copy of the same bytes; each side's median run (by total time) is reported, its CPU time per transfer (the relay's averaged over the runs), RSS growth the peak over them. The plain copy streams the same bytes through a bare node:http server on loopback (PUT to a file, fsync, GET). RSS growth is each process's peak over its level before the transfer (client after a GC); CPU is each process's user + system time over the upload and download (the clients' process holds both Alice and Bob).`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = process.argv[2]?.split(',').map(Number) ?? FILE_SIZES_MIB;
  const r = await runFilesBench((l) => process.stderr.write(`${l}\n`), sizes);
  process.stdout.write(`${filesSection(r)}\n`);
}
