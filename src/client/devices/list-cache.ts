/**
 * Opened device lists by their stored bytes. Opening verifies a signature
 * (protocol.md §12.2), and a contact's or our own list is consulted on every
 * send and every delivery, so each stored list object is opened once. The
 * bytes come from decoded records that the caches keep, so a WeakMap keyed by
 * them frees an entry together with its record.
 */
import type { Bytes } from '../../crypto/index.js';
import { openDeviceList, type DeviceList } from '../../identity/device-list.js';

const opened = new WeakMap<Bytes, DeviceList>();

/** The verified list of stored (already accepted) list bytes. */
export function openedList(bytes: Bytes): DeviceList {
  let list = opened.get(bytes);
  if (list === undefined) {
    list = openDeviceList(bytes);
    opened.set(bytes, list);
  }
  return list;
}
