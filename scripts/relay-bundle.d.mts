/** See relay-bundle.mjs. */
export function bundleRelay(outdir: string, options?: { sourcesContent?: boolean; banner?: string }): Promise<void>;
