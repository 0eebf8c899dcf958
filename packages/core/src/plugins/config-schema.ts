/**
 * Types a plugin's config from its JSON Schema, so the schema is the one place that states a field, its type and its
 * default. Types only: the schema stays the plain JSON Schema object that ajv validates, `etl docs` documents and
 * the editor schema embeds.
 *
 * Why json-schema-to-ts rather than TypeBox: it reads the plain `as const` objects plugins already write (no builder,
 * no symbols in the schema, no rewrite of existing schemas), and it types a field that has a `default` as present,
 * which is what hooks receive: the runtime and the contract kit apply defaults before any hook runs.
 */
import type { ExtendedJSONSchema, FromSchema, JSONSchema } from 'json-schema-to-ts';

/** Keywords etl reads beside JSON Schema's: `secret` (the value is redacted everywhere) and draft 2019's `deprecated`. */
type EtlKeywords = { secret: boolean; deprecated: boolean };

/**
 * A config schema as plugins write it: `const configSchema = { … } as const satisfies ConfigSchema`. `as const` keeps
 * the literal types `ConfigFromSchema` reads; `satisfies` catches a misspelt keyword.
 */
export type ConfigSchema = ExtendedJSONSchema<EtlKeywords>;

/**
 * The config a plugin's hooks get, derived from its schema (written `as const`): each property's type, required ones
 * and those with a `default` present, the rest optional. `type Config = ConfigFromSchema<typeof configSchema>`.
 */
export type ConfigFromSchema<Schema> = Schema extends JSONSchema ? FromSchema<Schema> : never;

/**
 * What a user (or a test) writes before defaults are applied: like `ConfigFromSchema`, but a property with a
 * `default` may be left out. `applyConfigDefaults(schema, input)` turns one into the other.
 */
export type ConfigInputFromSchema<Schema> = Schema extends JSONSchema
  ? FromSchema<Schema, { keepDefaultedPropertiesOptional: true }>
  : never;
