/** Groups and channels over src/group (spec/client.md §…): placeholder until src/group lands. */
import type { Bytes } from '../crypto/index.js';
import type { Contact } from './contact.js';
import type { ContactEffects } from './contacts.js';
import type { Content } from './content.js';
import type { ClientContext } from './context.js';
import { ClientError } from './errors.js';
import type { Outbox } from './outbox.js';

export interface GroupOptions {
  readonly channel?: boolean;
}

export interface GroupInfo {
  readonly id: string;
  readonly name: string;
  readonly mode: 'group' | 'channel';
  readonly members: readonly string[];
}

export class GroupManager {
  constructor(
    private readonly ctx: ClientContext,
    private readonly outbox: Outbox,
    private readonly sendPayload: (contact: Contact, payload: Bytes) => Promise<void>,
  ) {}

  async load(): Promise<void> {}
  list(): GroupInfo[] {
    return [];
  }
  info(id: string): GroupInfo {
    throw new ClientError('UNKNOWN_GROUP', 'no such group', { group: id });
  }
  async create(_name: string, _members: Contact[], _o: GroupOptions): Promise<GroupInfo> {
    throw new ClientError('NOT_ALLOWED', 'groups are not available yet');
  }
  async add(groupId: string, _c: Contact): Promise<GroupInfo> {
    return this.info(groupId);
  }
  async remove(groupId: string, _c: Contact): Promise<GroupInfo> {
    return this.info(groupId);
  }
  async leave(groupId: string): Promise<void> {
    this.info(groupId);
  }
  async send(groupId: string, _content: Content): Promise<void> {
    this.info(groupId);
  }
  async onControl(_c: Contact, _b: Bytes, _fx: ContactEffects): Promise<void> {}
  async onMessage(_d: Bytes, _digest: string, _fx: ContactEffects): Promise<void> {}
}
