/**
 * Once per `npm test`, before any test file: bundles the relay as the parley-relay package ships it
 * (scripts/relay-bundle.mjs, from the sources as they are now) and names it in PARLEY_TEST_RELAY, which the test
 * workers inherit. Every relay process a test starts (demo/harness.ts relayCommand) then runs plain JavaScript:
 * about 0.7 s to listen instead of 1.4 s through tsx, whose TypeScript transform each process and each of its
 * threads paid again.
 */
import { fileURLToPath } from 'node:url';
import { bundleRelay } from '../scripts/relay-bundle.mjs';

export default async function setup(): Promise<void> {
  const outdir = fileURLToPath(new URL('../node_modules/.cache/parley-test-relay', import.meta.url));
  await bundleRelay(outdir);
  process.env['PARLEY_TEST_RELAY'] = `${outdir}/relay.js`;
}
