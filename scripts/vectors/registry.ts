/** Finds the vector generators (every other .ts file in this folder) and renders their JSON. */
import { readdirSync } from 'node:fs';

const here = new URL('.', import.meta.url);

export async function generatorNames(): Promise<string[]> {
  return readdirSync(here)
    .filter((f) => f.endsWith('.ts') && f !== 'registry.ts' && !f.startsWith('_'))
    .map((f) => f.slice(0, -3))
    .sort();
}

/** The exact text written to spec/vectors/<name>.json: 2-space JSON and a final newline. */
export async function renderVectors(name: string): Promise<string> {
  const mod = (await import(new URL(`./${name}.ts`, here).href)) as { default: () => unknown };
  return `${JSON.stringify(mod.default(), null, 2)}\n`;
}
