/** In-memory stores for @signalapp/libsignal-client (its abstract store classes, implemented plainly). */
import * as Signal from '@signalapp/libsignal-client';

type Address = Signal.ProtocolAddress;
const key = (a: Address): string => `${a.name()}.${a.deviceId()}`;

export class MemorySessionStore extends Signal.SessionStore {
  readonly sessions = new Map<string, Signal.SessionRecord>();
  async saveSession(name: Address, record: Signal.SessionRecord): Promise<void> {
    this.sessions.set(key(name), record);
  }
  async getSession(name: Address): Promise<Signal.SessionRecord | null> {
    return this.sessions.get(key(name)) ?? null;
  }
  async getExistingSessions(addresses: Address[]): Promise<Signal.SessionRecord[]> {
    return addresses.map((a) => {
      const s = this.sessions.get(key(a));
      if (s === undefined) throw new Error(`no session for ${key(a)}`);
      return s;
    });
  }
}

export class MemoryIdentityStore extends Signal.IdentityKeyStore {
  private readonly known = new Map<string, Signal.PublicKey>();
  constructor(private readonly identity: Signal.PrivateKey, private readonly registrationId: number) {
    super();
  }
  async getIdentityKey(): Promise<Signal.PrivateKey> {
    return this.identity;
  }
  async getLocalRegistrationId(): Promise<number> {
    return this.registrationId;
  }
  async saveIdentity(name: Address, k: Signal.PublicKey): Promise<Signal.IdentityChange> {
    const old = this.known.get(key(name));
    this.known.set(key(name), k);
    return old !== undefined && !old.equals(k) ? Signal.IdentityChange.ReplacedExisting : Signal.IdentityChange.NewOrUnchanged;
  }
  async isTrustedIdentity(name: Address, k: Signal.PublicKey): Promise<boolean> {
    const old = this.known.get(key(name));
    return old === undefined || old.equals(k);
  }
  async getIdentity(name: Address): Promise<Signal.PublicKey | null> {
    return this.known.get(key(name)) ?? null;
  }
}

export class MemoryPreKeyStore extends Signal.PreKeyStore {
  private readonly keys = new Map<number, Signal.PreKeyRecord>();
  async savePreKey(id: number, record: Signal.PreKeyRecord): Promise<void> {
    this.keys.set(id, record);
  }
  async getPreKey(id: number): Promise<Signal.PreKeyRecord> {
    const r = this.keys.get(id);
    if (r === undefined) throw new Error(`no prekey ${id}`);
    return r;
  }
  async removePreKey(id: number): Promise<void> {
    this.keys.delete(id);
  }
}

export class MemorySignedPreKeyStore extends Signal.SignedPreKeyStore {
  private readonly keys = new Map<number, Signal.SignedPreKeyRecord>();
  async saveSignedPreKey(id: number, record: Signal.SignedPreKeyRecord): Promise<void> {
    this.keys.set(id, record);
  }
  async getSignedPreKey(id: number): Promise<Signal.SignedPreKeyRecord> {
    const r = this.keys.get(id);
    if (r === undefined) throw new Error(`no signed prekey ${id}`);
    return r;
  }
}

export class MemoryKyberPreKeyStore extends Signal.KyberPreKeyStore {
  private readonly keys = new Map<number, Signal.KyberPreKeyRecord>();
  async saveKyberPreKey(id: number, record: Signal.KyberPreKeyRecord): Promise<void> {
    this.keys.set(id, record);
  }
  async getKyberPreKey(id: number): Promise<Signal.KyberPreKeyRecord> {
    const r = this.keys.get(id);
    if (r === undefined) throw new Error(`no kyber prekey ${id}`);
    return r;
  }
  async markKyberPreKeyUsed(): Promise<void> {}
}

export class MemorySenderKeyStore extends Signal.SenderKeyStore {
  private readonly keys = new Map<string, Signal.SenderKeyRecord>();
  async saveSenderKey(sender: Address, distributionId: string, record: Signal.SenderKeyRecord): Promise<void> {
    this.keys.set(`${key(sender)}/${distributionId}`, record);
  }
  async getSenderKey(sender: Address, distributionId: string): Promise<Signal.SenderKeyRecord | null> {
    return this.keys.get(`${key(sender)}/${distributionId}`) ?? null;
  }
}
