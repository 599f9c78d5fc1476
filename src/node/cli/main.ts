#!/usr/bin/env node
/**
 * The `parley` command: compiled to dist/node/cli/main.js in the `parley`
 * package (its bin); in the repository bin/parley.js runs this source through tsx.
 *
 *   parley chat --relay ws://host:port --profile NAME [--dir DIR]
 *
 * A profile is a directory (default ~/.parley/NAME, or $PARLEY_HOME/NAME) with
 * the encrypted store (store.db) and its key file (store.key, mode 0600).
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

/** The chat needs the optional peer dependencies of 'parley/node'; say so instead of a module-resolution stack. */
async function loadChat(): Promise<typeof import('./chat.js')> {
  try {
    return await import('./chat.js');
  } catch (e) {
    if ((e as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND') throw e;
    throw new Error('parley chat needs the packages ws and better-sqlite3 next to parley: npm install ws better-sqlite3');
  }
}

const USAGE = `usage: parley chat --relay ws://host:port --profile NAME [--dir DIR]

  --relay    the relay's WebSocket URL
  --profile  a local profile name (identity, contacts and messages live in it)
  --dir      the profile directory (default: $PARLEY_HOME/NAME or ~/.parley/NAME)

In the chat, type /help for the commands.`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { relay: { type: 'string' }, profile: { type: 'string' }, dir: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help === true || positionals[0] !== 'chat' || values.relay === undefined || values.profile === undefined) {
    process.stdout.write(`${USAGE}\n`);
    return values.help === true ? 0 : 2;
  }
  const dir = values.dir ?? join(process.env['PARLEY_HOME'] ?? join(homedir(), '.parley'), values.profile);
  const { runChat } = await loadChat();
  return runChat({ relay: values.relay, profile: values.profile, dir, input: process.stdin, output: process.stdout });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`parley: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
