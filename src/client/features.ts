/**
 * Features a client imports on first use (README, "In a browser"): groups and
 * channels, files and stickers, creating and accepting invitations, linking
 * devices and what only linked accounts send (device lists, sync) — in one
 * module, on-demand.ts, that a bundler with code splitting makes a chunk of its
 * own. A web app's entry then holds the client's core: open, contacts, 1:1
 * messages, receiving. Node imports the module from disk the same way. Only
 * this file imports it: a static import elsewhere would pull it back into the
 * entry (`npm run size` lists the entry's parts and the chunks).
 */
type Features = typeof import('./on-demand.js');

let features: Features | undefined;

/** Imports the features once. The group book calls it before its first group, so it is loaded whenever a group exists. */
export async function loadFeatures(): Promise<Features> {
  features ??= await import('./on-demand.js');
  return features;
}

/** The features if they are loaded: always, once the group book holds a group (see loadFeatures). */
export function loadedFeatures(): Features | undefined {
  return features;
}
