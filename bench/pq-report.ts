/** The post-quantum ratchet's section of bench/RESULTS.md (bench/pq-ratchet.ts measures it). */
import { PQ_BLOCK_LENGTH, PQ_CHUNK_SIZE, SEALED_PADDING_MIN_LENGTH } from '../src/constants.js';
import { MESSAGE_SIZE } from './peer.js';
import { roundTripsAt, stat, stepCompletions, type ScriptedMessage, type Stat } from './pq-conversation.js';
import type { CostRow, PqRatchetResults, ShapeResult } from './pq-ratchet.js';
import type { ParleyMessage } from './pq-sizes.js';
import { markdownTable, resultsTable } from './report.js';
import { packageVersion } from './versions.js';

/** The throughput table's columns: Parley's ratchet at version 2 and 3 under each provider, and libsignal-client. */
export const THROUGHPUT_COLUMNS = ['v2 (noble)', 'v3 (noble)', 'v2 (node)', 'v3 (node)', 'libsignal-client (SPQR)'] as const;

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const meanMax = (s: Stat): string => `${s.mean.toFixed(1)} (max ${int(s.max)})`;
const meanSlashMax = (s: Stat): string => `${s.mean.toFixed(1)} / ${int(s.max)}`;

function diffs(a: readonly number[], b: readonly number[]): number[] {
  return a.map((x, i) => x - (b[i] as number));
}

function counts(r: ShapeResult): string {
  const alice = r.shape.script.filter((m) => m.from === 'alice').length;
  const initial = r.v3.filter((m) => m.initial).length;
  return `${int(r.shape.script.length)} (${int(alice)} : ${int(r.shape.script.length - alice)}; ${initial} initial)`;
}

/** "mean v2 → v3 (max v2 → v3)" for one size of every message. */
function versions(r: ShapeResult, size: (m: ParleyMessage) => number): string {
  const [a, b] = [stat(r.v2.map(size)), stat(r.v3.map(size))];
  return `${a.mean.toFixed(0)} → ${b.mean.toFixed(0)} (max ${int(a.max)} → ${int(b.max)})`;
}

function added(r: ShapeResult, size: (m: ParleyMessage) => number): string {
  return meanSlashMax(stat(diffs(r.v3.map(size), r.v2.map(size))));
}

function parleyBytesTable(results: readonly ShapeResult[]): string {
  return markdownTable(
    [
      'shape', 'messages (Alice : Bob)', 'ratchet message, v2 → v3', 'session message, v2 → v3', 'added before padding, mean / max',
      'padded session message', 'sealed envelope (what the relay sees)', 'added after padding, mean / max', 'messages in a larger padding class',
    ],
    results.map((r) => {
      const classChanged = r.v3.filter((m, i) => m.padded !== r.v2[i]?.padded).length;
      return [
        `${r.shape.name}: ${r.shape.description}`, counts(r), versions(r, (m) => m.ratchet), versions(r, (m) => m.session),
        added(r, (m) => m.session), versions(r, (m) => m.padded), versions(r, (m) => m.envelope), added(r, (m) => m.envelope),
        `${((classChanged / r.v3.length) * 100).toFixed(0)} %`,
      ];
    }),
  );
}

function libsignalBytesTable(results: readonly ShapeResult[]): string {
  return markdownTable(
    ['shape', 'SignalMessages (PreKey messages left out)', 'without the SPQR field', 'with it', 'added by SPQR, mean / max', 'messages carrying a 32-byte chunk'],
    results.map((r) => {
      const whisper = r.libsignal.filter((m) => m.spqr !== undefined);
      const withSpqr = whisper.map((m) => m.serialized);
      const without = whisper.map((m) => m.withoutSpqr as number);
      const chunked = whisper.filter((m) => (m.spqr as number) > 32).length;
      return [
        r.shape.name, `${int(whisper.length)} of ${int(r.libsignal.length)}`, meanMax(stat(without)), meanMax(stat(withSpqr)),
        meanSlashMax(stat(diffs(withSpqr, without))), `${((chunked / Math.max(1, whisper.length)) * 100).toFixed(0)} %`,
      ];
    }),
  );
}

/** "n msgs, r RT" at message index `i` (0-based). */
function at(script: readonly ScriptedMessage[], i: number): string {
  return `${int(i + 1)} msgs, ${int(roundTripsAt(script, i))} RT`;
}

/**
 * Step 1, step 2 (the healing bound counted from the session's start) and the
 * longest window in which two steps completed, counted from the completion
 * before them (or the start): an upper bound on healing after a compromise at
 * any point of the run.
 */
function stepCells(script: readonly ScriptedMessage[], completions: readonly number[]): string[] {
  const step = (s: number): string => {
    const i = completions[s - 1];
    return i === undefined ? `not in ${int(script.length)} msgs` : at(script, i);
  };
  let widest: { msgs: number; rt: number } | undefined;
  for (let j = 0; j + 1 < completions.length; j++) {
    const from = j === 0 ? -1 : (completions[j - 1] as number);
    const to = completions[j + 1] as number;
    const rt = roundTripsAt(script, to) - (from < 0 ? 0 : roundTripsAt(script, from));
    if (widest === undefined || to - from > widest.msgs) widest = { msgs: to - from, rt };
  }
  return [step(1), step(2), widest === undefined ? '–' : `${int(widest.msgs)} msgs, ${int(widest.rt)} RT`, `${completions.length}`];
}

/** Where each of Parley's PQ steps completed (epochs from 0) and each of libsignal-client's (from its first epoch seen). */
function completions(r: ShapeResult): { parley: number[]; libsignal: number[] } {
  const epochs = r.libsignal.map((m) => m.epoch);
  return {
    parley: stepCompletions(r.v3.map((m) => m.epoch), 0),
    libsignal: stepCompletions(epochs, epochs.find((e) => e !== undefined) ?? 1),
  };
}

function stepsTable(results: readonly ShapeResult[]): string {
  return markdownTable(
    ['shape', 'Parley v3: step 1', 'step 2', 'longest two-step window', 'steps in the run', 'libsignal-client (SPQR): step 1', 'step 2', 'longest two-step window', 'steps in the run'],
    results.map((r) => {
      const c = completions(r);
      return [r.shape.name, ...stepCells(r.shape.script, c.parley), ...stepCells(r.shape.script, c.libsignal)];
    }),
  );
}

function costTable(costs: readonly CostRow[]): string {
  const us = (rate: number): number => 1e6 / rate;
  const lines = costs.map((c) => [
    c.op, `${us(c.rate.median).toFixed(1)} (${us(c.rate.max).toFixed(1)}–${us(c.rate.min).toFixed(1)})`, c.perStep === 0 ? '–' : `${c.perStep}`,
  ]);
  const total = costs.reduce((sum, c) => sum + c.perStep * us(c.rate.median), 0);
  return `${markdownTable(['operation (µs; @noble under either provider)', 'µs per operation', 'times per step'], lines)}\n\nOne step costs both parties together about **${(total / 1000).toFixed(2)} ms** of CPU (the column above weighted by its times per step, one KEM operation of each kind and one PQ secret per side), spread over the 19 or more messages that carry its chunks (10 of the key, 9 of the ciphertext).`;
}

function libsignalVersions(results: readonly ShapeResult[]): string {
  const seen = new Set(results.flatMap((r) => r.libsignal.map((m) => m.version).filter((v) => v !== undefined)));
  return [...seen].sort().join(', ');
}

/** Bytes added and round trips to the first step, Parley against libsignal-client, on one shape. */
function comparison(r: ShapeResult | undefined): string {
  if (r === undefined) return 'no shape measured';
  const whisper = r.libsignal.filter((m) => m.spqr !== undefined);
  const spqr = stat(whisper.map((m) => m.serialized - (m.withoutSpqr as number))).mean;
  const parley = stat(diffs(r.v3.map((m) => m.session), r.v2.map((m) => m.session))).mean;
  const c = completions(r);
  const [ours, theirs] = [c.parley[0], c.libsignal[0]];
  const steps = ours !== undefined && theirs !== undefined
    ? `, and ${roundTripsAt(r.shape.script, ours)} round trips to the first step against ${roundTripsAt(r.shape.script, theirs)}`
    : '';
  return `${r.shape.name}: ${parley.toFixed(0)} bytes added per message before padding against ${spqr.toFixed(0)}${steps}`;
}

export function pqRatchetSection(r: PqRatchetResults): string {
  const throughput = resultsTable(r.throughput, THROUGHPUT_COLUMNS, [
    { name: 'v3 / v2 (noble)', numerator: 'v3 (noble)', denominator: 'v2 (noble)' },
    { name: 'v3 / v2 (node)', numerator: 'v3 (node)', denominator: 'v2 (node)' },
    { name: 'v3 (node) / libsignal-client', numerator: 'v3 (node)', denominator: 'libsignal-client (SPQR)' },
  ]);
  return `Bytes per message (bytes; mean and max over every message of the run, Parley through startSession / sessionEncrypt / sessionDecrypt with the content mix of bench/content-mix.ts, each message delivered at once and in order; the same script for version 2 and version 3, so "added" is per message):

${parleyBytesTable(r.shapes)}

A version 3 message carries a ${PQ_BLOCK_LENGTH}-byte PQ block in its encrypted header whether or not it holds a chunk (§6.9.2), so that neither its length nor its padded class tells which messages carry key material: before padding every message grows by ${PQ_BLOCK_LENGTH} bytes (one more where a msgpack length crosses 255). Sealed envelopes pad the session message with Padmé above a floor of ${SEALED_PADDING_MIN_LENGTH} bytes (256 + the PQ block, §3.1, §7.3), whose classes are at most 128 bytes apart below 4 KiB: above the floor the growth moves a message to a larger class, and after padding it is the distance between the two classes; below it (receipts, reactions, typing, short texts) both versions pad to the floor. "Initial" messages are the initiator's until it hears back: they carry the PQXDH header (about 1.7 KB more, in both versions).

libsignal-client ${packageVersion('@signalapp/libsignal-client')} runs SPQR in every session: its API has no option to turn it off (processPreKeyBundle, signalEncrypt and signalDecrypt take none), its SignalMessages are version ${libsignalVersions(r.shapes)} and SignalMessage.pqRatchet() exposes the SPQR message each carries. So its bytes per message are observable, and its size without SPQR is the same message less that field (the field's cost measured by building two messages with SignalMessage._new that differ only there). Same scripts, bytes, unpadded (padding is the Signal app's, above the library); a PreKeySignalMessage does not expose its inner SignalMessage, so the initiator's messages before it hears back are left out:

${libsignalBytesTable(r.shapes)}

Messages and round trips (RT: one turn of each side) until each PQ step completed, i.e. until the first message whose sender already held the step's secret (Parley: the header's \`e\`, §6.9.2; libsignal-client: the epoch in its SPQR message, read from the pq_ratchet bytes). Healing after a compromise takes at most two completed steps (§6.9.8); "longest two-step window" is the longest run of messages in which two steps completed, counted from the completion before them: an upper bound on healing from a compromise at any point of the run.

${stepsTable(r.shapes)}

Parley moves ${PQ_CHUNK_SIZE} bytes of KEM material per message, libsignal-client's SPQR 32 (${comparison(r.shapes[0])}). In the one-sided shape a step waits on the quiet side, which must send its ciphertext (9 chunks in Parley) or its key (10), one chunk per reply.

Throughput with and without the PQ ratchet (msgs/s, higher is better; median of ${r.reps} repetitions after a warm-up, repetitions interleaved across columns; the ratchet layer as in the Protocol table, ${MESSAGE_SIZE}-byte messages; one-way: N messages encrypted, then decrypted in order; ping-pong: every message turns the direction; libsignal-client runs SPQR in every session, with no way to turn it off):

${throughput}

Cost of a PQ step:

${costTable(r.costs)}

The Protocol table above runs Parley's sessions at version 3, like libsignal-client's, which always run SPQR. Section run time ${r.seconds.toFixed(0)} s.`;
}
