/** Tiny DOM helpers: the page is plain DOM (no framework to ship, audit or update). */

export function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`#${id} is missing from the page`);
  return el as T;
}

/** An element with text and attributes; text goes through textContent, never innerHTML. */
export function h(tag: string, attrs: Record<string, string> = {}, ...children: Array<Node | string>): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of children) el.append(c);
  return el;
}

export function show(id: string, visible: boolean): void {
  $(id).hidden = !visible;
}
