import type { JsonSchema } from '../plugins/types.js';
import { DURATION_PATTERN } from './duration.js';

/** Step, limiter and profile names. */
export const NAME_PATTERN = '^[A-Za-z0-9_-]+$';

const duration: JsonSchema = {
  description: 'A number of milliseconds, or a string like `500ms`, `10s`, `5m`, `1h`.',
  type: ['integer', 'string'],
  minimum: 0,
  pattern: DURATION_PATTERN,
};

const retry: JsonSchema = {
  type: 'object',
  description: 'Retry overrides for this step (transient failures only: timeouts, 429, 5xx).',
  additionalProperties: false,
  properties: {
    attempts: { type: 'integer', minimum: 1, description: 'Total attempts including the first. Default 6.' },
    maxElapsed: {
      $ref: '#/$defs/duration',
      description: 'Give up once this much time has passed since the first attempt. Default 5m.',
    },
    baseDelay: { $ref: '#/$defs/duration', description: 'First backoff ceiling; doubles each attempt. Default 500ms.' },
    maxDelay: { $ref: '#/$defs/duration', description: 'Largest backoff ceiling. Default 30s.' },
  },
};

const step: JsonSchema = {
  type: 'object',
  description: "One step: a plugin (`use:`), the step it reads from (`inputs:`) and the plugin's `config:`.",
  required: ['use'],
  additionalProperties: false,
  properties: {
    use: {
      type: 'string',
      minLength: 1,
      description:
        'The plugin: a built-in (select, validate, dedupe, compute, filter), a package name (`kaggle` → @etl/source-kaggle), or a path starting with ./',
    },
    description: { type: 'string', description: 'What this step is for.' },
    inputs: {
      type: ['string', 'array'],
      items: { type: 'string' },
      description: 'The step this one reads from: a name, or a list of exactly one name. Sources have none.',
    },
    config: { type: 'object', description: "The plugin's settings, checked against its own schema." },
    limiter: { type: 'string', description: 'Name of a limiter under `limiters:` whose budget this step uses.' },
    batchSize: { type: 'integer', minimum: 1, description: "Records per sink write (overrides the plugin's default)." },
    retry,
  },
};

/** JSON Schema of the pipeline file's envelope (everything but each step's `config`, which its plugin checks). */
export const pipelineEnvelopeSchema: JsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'etl pipeline',
  description: 'A pipeline for etl (docs/pipeline-format.md): named steps wired by `inputs:`, with profiles.',
  type: 'object',
  required: ['version', 'steps'],
  additionalProperties: false,
  properties: {
    version: { enum: [1], description: "The format's version; always 1." },
    name: { type: 'string', pattern: NAME_PATTERN, description: "The pipeline's name. Default: the file name." },
    description: { type: 'string', description: 'One line saying what the pipeline does.' },
    settings: {
      type: 'object',
      description: 'Run-wide settings.',
      additionalProperties: false,
      properties: {
        batchSize: {
          type: 'integer',
          minimum: 1,
          default: 5000,
          description: 'Records per source batch. Default 5000.',
        },
      },
    },
    limiters: {
      type: 'object',
      description: 'Named rate limiters, shared by every step that names them.',
      propertyNames: { pattern: NAME_PATTERN },
      additionalProperties: {
        type: 'object',
        required: ['max', 'per'],
        additionalProperties: false,
        properties: {
          max: { type: 'integer', minimum: 1, description: 'Requests allowed per interval.' },
          per: { $ref: '#/$defs/duration', description: 'The interval, e.g. `10s`.' },
          maxConcurrent: {
            type: 'integer',
            minimum: 1,
            default: 10,
            description: 'Requests in flight at once. Default 10.',
          },
          daily: { type: 'integer', minimum: 1, description: 'Optional requests allowed per day.' },
          store: {
            enum: ['memory', 'redis'],
            description:
              'Where the budget is kept: `memory` (this process alone) or `redis` (shared by every process and host using REDIS_URL). Default memory.',
          },
          key: {
            type: 'string',
            minLength: 1,
            description:
              "The budget's name in a shared store: one per remote account (e.g. `hubspot-${env:HUBSPOT_PORTAL_ID}`). Default the limiter's name.",
          },
        },
      },
    },
    steps: {
      type: 'object',
      description: 'The steps by name (letters, digits, - and _). Exactly one is a source.',
      minProperties: 1,
      propertyNames: { pattern: NAME_PATTERN },
      additionalProperties: { $ref: '#/$defs/step' },
    },
    profiles: {
      type: 'object',
      description:
        'Named sets of overrides, deep-merged over the document with `--profile NAME` (null removes a value).',
      propertyNames: { pattern: NAME_PATTERN },
      additionalProperties: { type: ['object', 'null'] },
    },
  },
  $defs: { duration, step },
};
