/** Reads a committed vector file and regenerates it, for byte-for-byte comparison. */
import { readFileSync } from 'node:fs';
import { renderVectors } from '../../scripts/vectors/registry.js';

export function committedVectors(name: string): string {
  return readFileSync(new URL(`../../spec/vectors/${name}.json`, import.meta.url), 'utf8');
}

export async function regeneratedVectors(name: string): Promise<string> {
  return renderVectors(name);
}
