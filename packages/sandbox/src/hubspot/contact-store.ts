import { defaultProperties, type PropertyDefinition } from './property-definitions.js';
import { normalizeValues } from './property-values.js';

/** A contact as held in memory and in the state file. System properties live in `properties` too. */
export interface StoredContact {
  id: string;
  properties: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  archivedAt?: string;
}

/** What the state file holds for the store. */
export interface StoreSnapshot {
  nextId: number;
  contacts: StoredContact[];
  customProperties: PropertyDefinition[];
}

/**
 * Contacts and property definitions, indexed by id (plus a sorted id list for paging) and by every unique property
 * (email, lowercased, and custom `hasUniqueValue` properties), so 100k+ contacts stay cheap to look up.
 * Archived contacts are kept but leave the unique indexes, so their email can be used again.
 */
export class ContactStore {
  private readonly byId = new Map<string, StoredContact>();
  /** Numeric ids in ascending order; ids are only ever appended, so this stays sorted. */
  private readonly order: number[] = [];
  private readonly unique = new Map<string, Map<string, string>>();
  private readonly builtIn = new Map(defaultProperties().map((p) => [p.name, p]));
  private readonly custom = new Map<string, PropertyDefinition>();
  private nextId = 1;
  /** The portal's id, shown inside "Property values were not valid" messages; set once the state is loaded. */
  portalId = 0;
  /** Bumped on every change, so the persister knows when to write. */
  version = 0;

  constructor() {
    this.unique.set('email', new Map());
  }

  property(name: string): PropertyDefinition | undefined {
    return this.builtIn.get(name) ?? this.custom.get(name);
  }

  properties(): PropertyDefinition[] {
    return [...this.builtIn.values(), ...this.custom.values()];
  }

  uniquePropertyCount(): number {
    return this.properties().filter((p) => p.hasUniqueValue && p.name !== 'hs_object_id').length;
  }

  addProperty(definition: PropertyDefinition): void {
    this.custom.set(definition.name, definition);
    if (definition.hasUniqueValue) this.unique.set(definition.name, new Map());
    this.version++;
  }

  /** True when `name` can identify a contact: the record id, email, or a property created with hasUniqueValue. */
  isUniqueProperty(name: string): boolean {
    return name === 'hs_object_id' || this.unique.has(name);
  }

  /** Validates and normalizes write values (throws HubSpot's 400 on bad ones). */
  normalize(raw: unknown): Record<string, string> {
    return normalizeValues(raw, (name) => this.property(name), this.portalId);
  }

  get(id: string): StoredContact | undefined {
    return this.byId.get(id);
  }

  /** An active (not archived) contact by id or by a unique property's value. */
  find(idProperty: string | undefined, value: string): StoredContact | undefined {
    if (idProperty === undefined || idProperty === 'hs_object_id') {
      const contact = this.byId.get(value);
      return contact && !contact.archived ? contact : undefined;
    }
    const id = this.unique.get(idProperty)?.get(this.indexKey(idProperty, value));
    return id === undefined ? undefined : this.byId.get(id);
  }

  /** The id of another active contact already holding one of `values`' unique values, if any. */
  conflictOf(values: Record<string, string>, selfId?: string): string | undefined {
    for (const [name, index] of this.unique) {
      const value = values[name];
      if (value === undefined || value === '') continue;
      const owner = index.get(this.indexKey(name, value));
      if (owner !== undefined && owner !== selfId) return owner;
    }
    return undefined;
  }

  /** Unique keys of `values` (property + normalized value), to catch duplicates within one batch. */
  uniqueKeys(values: Record<string, string>): string[] {
    const keys: string[] = [];
    for (const name of this.unique.keys()) {
      const value = values[name];
      if (value !== undefined && value !== '') keys.push(`${name}\u0000${this.indexKey(name, value)}`);
    }
    return keys;
  }

  create(values: Record<string, string>, now: string): StoredContact {
    const id = String(this.nextId++);
    const properties: Record<string, string> = {};
    for (const [name, value] of Object.entries(values)) if (value !== '') properties[name] = value;
    properties.createdate ??= now;
    properties.lastmodifieddate = now;
    properties.hs_object_id = id;
    const contact: StoredContact = { id, properties, createdAt: now, updatedAt: now, archived: false };
    this.insert(contact);
    this.version++;
    return contact;
  }

  update(contact: StoredContact, values: Record<string, string>, now: string): StoredContact {
    this.unindex(contact);
    for (const [name, value] of Object.entries(values)) {
      if (value === '') delete contact.properties[name];
      else contact.properties[name] = value;
    }
    contact.properties.lastmodifieddate = now;
    contact.updatedAt = now;
    this.index(contact);
    this.version++;
    return contact;
  }

  archive(id: string, now: string): boolean {
    const contact = this.byId.get(id);
    if (!contact || contact.archived) return false;
    this.unindex(contact);
    contact.archived = true;
    contact.archivedAt = now;
    contact.updatedAt = now;
    this.version++;
    return true;
  }

  /** One page of contacts with ids greater than `after`, plus the id the next page starts at. */
  page(after: number, limit: number, archived: boolean): { results: StoredContact[]; nextAfter?: string } {
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.order[mid] < after) lo = mid + 1;
      else hi = mid;
    }
    const results: StoredContact[] = [];
    for (let i = lo; i < this.order.length; i++) {
      const contact = this.byId.get(String(this.order[i]))!;
      if (contact.archived !== archived) continue;
      if (results.length === limit) return { results, nextAfter: contact.id };
      results.push(contact);
    }
    return { results };
  }

  /** Every contact, archived included, in id order. */
  all(): StoredContact[] {
    return this.order.map((id) => this.byId.get(String(id))!);
  }

  clear(): void {
    this.byId.clear();
    this.order.length = 0;
    this.custom.clear();
    this.unique.clear();
    this.unique.set('email', new Map());
    this.nextId = 1;
    this.version++;
  }

  snapshot(): StoreSnapshot {
    return { nextId: this.nextId, contacts: this.all(), customProperties: [...this.custom.values()] };
  }

  restore(snapshot: StoreSnapshot): void {
    this.clear();
    for (const definition of snapshot.customProperties) this.addProperty(definition);
    const contacts = [...snapshot.contacts].sort((a, b) => Number(a.id) - Number(b.id));
    for (const contact of contacts) this.insert(contact);
    this.nextId = Math.max(snapshot.nextId, (this.order.at(-1) ?? 0) + 1);
    this.version = 0;
  }

  private insert(contact: StoredContact): void {
    this.byId.set(contact.id, contact);
    this.order.push(Number(contact.id));
    if (!contact.archived) this.index(contact);
  }

  private indexKey(name: string, value: string): string {
    return name === 'email' ? value.trim().toLowerCase() : value;
  }

  private index(contact: StoredContact): void {
    for (const [name, index] of this.unique) {
      const value = contact.properties[name];
      if (value !== undefined) index.set(this.indexKey(name, value), contact.id);
    }
  }

  private unindex(contact: StoredContact): void {
    for (const [name, index] of this.unique) {
      const value = contact.properties[name];
      if (value !== undefined && index.get(this.indexKey(name, value)) === contact.id)
        index.delete(this.indexKey(name, value));
    }
  }
}
