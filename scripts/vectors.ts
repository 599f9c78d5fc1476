/**
 * `npm run vectors`: regenerates spec/vectors/*.json from fixed seeds.
 *
 * Each generator is a module scripts/vectors/<name>.ts whose default export
 * returns a JSON-serialisable object; it must be deterministic (seededRandom
 * only). The file format of each is described in spec/test-vectors.md.
 */
import { writeFileSync } from 'node:fs';
import { generatorNames, renderVectors } from './vectors/registry.js';

for (const name of await generatorNames()) {
  const text = await renderVectors(name);
  writeFileSync(new URL(`../spec/vectors/${name}.json`, import.meta.url), text);
  console.log(`spec/vectors/${name}.json (${text.length} bytes)`);
}
