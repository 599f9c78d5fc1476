#!/usr/bin/env node
// `npx parley …`: runs the TypeScript CLI (src/node/cli/main.ts) through tsx.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const loader = import.meta.resolve('tsx');
const cli = fileURLToPath(new URL('../src/node/cli/main.ts', import.meta.url));
const child = spawn(process.execPath, ['--import', loader, cli, ...process.argv.slice(2)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 0 : 1)));
