/**
 * Where credentials come from, in the order Kaggle's own clients use (kagglesdk, kagglehub, CLI ≥ 1.8), and which
 * mode `auto` picks from what was found.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@etl/core';
import type { KaggleConfig } from './config.js';

/** API credentials: a token (Bearer) or a legacy user name + key (Basic). `from` says where they were found. */
export type ApiAuth =
  | { kind: 'bearer'; token: string; from: string }
  | { kind: 'basic'; username: string; key: string; from: string };

export interface LoginCredentials {
  email: string;
  password: string;
  from: string;
}

export interface Credentials {
  api?: ApiAuth;
  login?: LoginCredentials;
}

/** Where to look besides the config: injectable so tests do not read the machine's real ~/.kaggle. */
export interface CredentialSources {
  env: Record<string, string | undefined>;
  home: string;
}

export const defaultSources = (): CredentialSources => ({ env: process.env, home: homedir() });

const nonEmpty = (value: string | undefined): string | undefined => (value?.trim() ? value.trim() : undefined);

/** `KAGGLE_API_TOKEN` may hold the token itself or the path of a file holding it. */
function readTokenValue(value: string): string {
  if (!value.startsWith('KGAT_') && (value.includes('/') || value.includes('\\')) && existsSync(value)) {
    return readFileSync(value, 'utf8').trim();
  }
  return value;
}

function readJson(path: string): Record<string, unknown> | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch {
    throw new ConfigError(`kaggle: ${path} is not valid JSON.`, [], {
      code: 'KAGGLE_BAD_KAGGLE_JSON',
      suggestions: ['Download a fresh kaggle.json from Kaggle → Settings → API, or set KAGGLE_API_TOKEN instead.'],
    });
  }
}

/** A `KGAT_` value given as a legacy key is a new-style token and must go as Bearer. */
function basicOrBearer(username: string, key: string, from: string): ApiAuth {
  return key.startsWith('KGAT_') ? { kind: 'bearer', token: key, from } : { kind: 'basic', username, key, from };
}

function findApiAuth(config: KaggleConfig, { env, home }: CredentialSources): ApiAuth | undefined {
  const token = nonEmpty(config.token);
  if (token) return { kind: 'bearer', token, from: 'config token' };
  const username = nonEmpty(config.username);
  const key = nonEmpty(config.key);
  if (username && key) return basicOrBearer(username, key, 'config username/key');
  if (key?.startsWith('KGAT_')) return { kind: 'bearer', token: key, from: 'config key' };

  const envToken = nonEmpty(env.KAGGLE_API_TOKEN);
  if (envToken) return { kind: 'bearer', token: readTokenValue(envToken), from: 'KAGGLE_API_TOKEN' };
  const configDir = nonEmpty(env.KAGGLE_CONFIG_DIR) ?? join(home, '.kaggle');
  for (const name of ['access_token', 'access_token.txt']) {
    const path = join(configDir, name);
    if (existsSync(path)) {
      const value = readFileSync(path, 'utf8').trim();
      if (value) return { kind: 'bearer', token: value, from: path };
    }
  }
  const envUser = nonEmpty(env.KAGGLE_USERNAME);
  const envKey = nonEmpty(env.KAGGLE_KEY);
  if (envUser && envKey) return basicOrBearer(envUser, envKey, 'KAGGLE_USERNAME/KAGGLE_KEY');
  const jsonPath = join(configDir, 'kaggle.json');
  const json = readJson(jsonPath);
  if (json && typeof json.username === 'string' && typeof json.key === 'string' && json.username && json.key) {
    return basicOrBearer(json.username, json.key, jsonPath);
  }
  return undefined;
}

function findLogin(config: KaggleConfig, { env }: CredentialSources): LoginCredentials | undefined {
  const email = nonEmpty(config.email) ?? nonEmpty(env.KAGGLE_EMAIL);
  const password = config.password || env.KAGGLE_PASSWORD;
  if (!email || !password) return undefined;
  return { email, password, from: config.email ? 'config email/password' : 'KAGGLE_EMAIL/KAGGLE_PASSWORD' };
}

export function findCredentials(config: KaggleConfig, sources: CredentialSources): Credentials {
  return { api: findApiAuth(config, sources), login: findLogin(config, sources) };
}

/** The values to register as secrets before anything can print them. */
export function secretsOf(credentials: Credentials): string[] {
  const values: string[] = [];
  if (credentials.api?.kind === 'bearer') values.push(credentials.api.token);
  if (credentials.api?.kind === 'basic') {
    values.push(
      credentials.api.key,
      Buffer.from(`${credentials.api.username}:${credentials.api.key}`).toString('base64'),
    );
  }
  if (credentials.login) values.push(credentials.login.password);
  return values;
}

const apiHelp =
  'For the API set KAGGLE_API_TOKEN (a KGAT_… token from Kaggle → Settings → API), or KAGGLE_USERNAME and KAGGLE_KEY, ' +
  'or put kaggle.json in ~/.kaggle/.';
const loginHelp =
  'For the browser login set KAGGLE_EMAIL and KAGGLE_PASSWORD (an account with a Kaggle password, not Google sign-in).';

/** Picks the mode `auto` stands for, and fails early when the chosen mode lacks its credentials. */
export function chooseMode(config: KaggleConfig, credentials: Credentials): 'api' | 'browser' | 'file' {
  switch (config.mode) {
    case 'file':
      return 'file';
    case 'api':
      if (!credentials.api) {
        throw new ConfigError('kaggle: `mode: api` but no API credentials were found.', [], {
          code: 'KAGGLE_NO_CREDENTIALS',
          suggestions: [apiHelp, 'Or use `mode: auto` to fall back to the browser login.'],
        });
      }
      return 'api';
    case 'browser':
      if (!credentials.login) {
        throw new ConfigError('kaggle: `mode: browser` but KAGGLE_EMAIL and KAGGLE_PASSWORD are not both set.', [], {
          code: 'KAGGLE_NO_CREDENTIALS',
          suggestions: [loginHelp],
        });
      }
      return 'browser';
    default:
      if (credentials.api) return 'api';
      if (credentials.login) return 'browser';
      throw new ConfigError('kaggle: no Kaggle credentials found, so the dataset cannot be downloaded.', [], {
        code: 'KAGGLE_NO_CREDENTIALS',
        suggestions: [apiHelp, loginHelp, 'Or read a local copy with `mode: file` and `path: <zip or csv>`.'],
      });
  }
}
