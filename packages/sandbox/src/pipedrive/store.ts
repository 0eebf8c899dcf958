import { builtInFields, type FieldOption, type StoredField } from './fields.js';

export interface Contact {
  value: string;
  primary: boolean;
  label: string;
}

/** A person as held in memory and in the state file, in the v2 answer's field names. */
export interface StoredPerson {
  id: number;
  name: string;
  first_name: string;
  last_name: string;
  owner_id: number;
  org_id: number | null;
  emails: Contact[];
  phones: Contact[];
  visible_to: number;
  label_ids: number[];
  custom_fields: Record<string, unknown>;
  marketing_status?: string;
  add_time: string;
  update_time: string;
  is_deleted: boolean;
}

/** What the state file holds for the store. */
export interface StoreSnapshot {
  nextPersonId: number;
  nextOptionId: number;
  fields: StoredField[];
  persons: StoredPerson[];
}

/**
 * Persons and custom person fields of one company, indexed by id (plus the ascending id list cursors page through) and
 * by lowercased email for search, so 100k+ persons stay cheap. Deleted persons are kept, marked, as Pipedrive keeps
 * them for 30 days; they leave the email index.
 */
export class PersonStore {
  private readonly byId = new Map<number, StoredPerson>();
  /** Ids in ascending order; ids are only appended, so it stays sorted for binary search. */
  readonly order: number[] = [];
  private readonly byEmail = new Map<string, Set<number>>();
  private readonly builtIn = new Map(builtInFields().map((f) => [f.field_code, f]));
  private readonly custom = new Map<string, StoredField>();
  private nextPersonId = 1;
  private nextOptionId = 1;
  /** Bumped on every change, so the persister knows when to write. */
  version = 0;

  get(id: number): StoredPerson | undefined {
    return this.byId.get(id);
  }

  /** Live (not deleted) persons whose email equals `email`, case-insensitively, in id order. */
  withEmail(email: string): StoredPerson[] {
    const ids = this.byEmail.get(email.toLowerCase());
    return ids ? [...ids].sort((a, b) => a - b).map((id) => this.byId.get(id)!) : [];
  }

  all(): StoredPerson[] {
    return this.order.map((id) => this.byId.get(id)!);
  }

  add(person: Omit<StoredPerson, 'id'>): StoredPerson {
    const stored = { ...person, id: this.nextPersonId++ };
    this.byId.set(stored.id, stored);
    this.order.push(stored.id);
    this.index(stored);
    this.version++;
    return stored;
  }

  /** Replaces a person's values (same id), keeping the email index right. */
  replace(next: StoredPerson): void {
    const previous = this.byId.get(next.id);
    if (previous) this.unindex(previous);
    this.byId.set(next.id, next);
    this.index(next);
    this.version++;
  }

  field(code: string): StoredField | undefined {
    return this.builtIn.get(code) ?? this.custom.get(code);
  }

  customField(code: string): StoredField | undefined {
    return this.custom.get(code);
  }

  fields(): StoredField[] {
    return [...this.builtIn.values(), ...this.custom.values()];
  }

  customFields(): StoredField[] {
    return [...this.custom.values()];
  }

  addField(field: StoredField): void {
    this.custom.set(field.field_code, field);
    this.version++;
  }

  /** Marks a field changed (after a route edited it in place). */
  touch(): void {
    this.version++;
  }

  newOption(label: string, time: string): FieldOption {
    return { id: this.nextOptionId++, label, color: null, add_time: time, update_time: time };
  }

  snapshot(): StoreSnapshot {
    return {
      nextPersonId: this.nextPersonId,
      nextOptionId: this.nextOptionId,
      fields: this.customFields(),
      persons: this.all(),
    };
  }

  restore(snapshot: StoreSnapshot): void {
    this.clear();
    this.nextPersonId = snapshot.nextPersonId;
    this.nextOptionId = snapshot.nextOptionId;
    for (const field of snapshot.fields) this.custom.set(field.field_code, field);
    for (const person of [...snapshot.persons].sort((a, b) => a.id - b.id)) {
      this.byId.set(person.id, person);
      this.order.push(person.id);
      this.index(person);
    }
  }

  clear(): void {
    this.byId.clear();
    this.order.length = 0;
    this.byEmail.clear();
    this.custom.clear();
    this.nextPersonId = 1;
    this.nextOptionId = 1;
    this.version++;
  }

  private index(person: StoredPerson): void {
    if (person.is_deleted) return;
    for (const email of person.emails) {
      const key = email.value.toLowerCase();
      let ids = this.byEmail.get(key);
      if (!ids) this.byEmail.set(key, (ids = new Set()));
      ids.add(person.id);
    }
  }

  private unindex(person: StoredPerson): void {
    for (const email of person.emails) this.byEmail.get(email.value.toLowerCase())?.delete(person.id);
  }
}
