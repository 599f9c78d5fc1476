/** The README's fenced code blocks with a given info string (```js …```), in order: the examples a test runs as written. */
export function readmeBlocks(markdown: string, info: string): string[] {
  const re = new RegExp('^```' + info + '\\n([\\s\\S]*?)^```$', 'gm');
  return [...markdown.matchAll(re)].map((m) => m[1]!);
}
