/**
 * The downloaded archive and what is known about it, kept in the step's cache folder so an unchanged dataset is not
 * downloaded again. One dataset + file per cache folder (the folder belongs to one step).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

export interface CacheEntry {
  dataset: string;
  file: string;
  /** The downloaded file's name inside the cache folder. */
  archive: string;
  /** The dataset version when it was downloaded (`currentVersionNumber`), when known. */
  version?: number;
  /** The dataset's total size as Kaggle reported it, to tell changes apart when no version is known. */
  remoteBytes?: number;
  /** The archive's size and MD5 (hex) on disk. */
  size: number;
  md5: string;
  mode: 'api' | 'browser';
  downloadedAt: string;
}

const metaName = 'kaggle-download.json';

export async function readCache(dir: string): Promise<CacheEntry | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, metaName), 'utf8')) as CacheEntry;
  } catch {
    return undefined;
  }
}

export async function writeCache(dir: string, entry: CacheEntry): Promise<void> {
  await mkdir(dir, { recursive: true });
  // Written aside then renamed, so a crash never leaves metadata that describes a half-written archive.
  const tmp = join(dir, `${metaName}.tmp`);
  await writeFile(tmp, JSON.stringify(entry, null, 2));
  await rename(tmp, join(dir, metaName));
}

export async function md5Of(path: string): Promise<string> {
  const hash = createHash('md5');
  await pipeline(createReadStream(path, { highWaterMark: 1 << 20 }), hash);
  return hash.digest('hex');
}

export interface RemoteState {
  version?: number;
  remoteBytes?: number;
}

/**
 * The cached archive when it is still current: same dataset and file, same version (or, without versions, same
 * reported size), and the file on disk still has the size and MD5 it had when downloaded.
 */
export async function currentArchive(
  dir: string,
  wanted: { dataset: string; file: string },
  remote: RemoteState,
): Promise<{ path: string; entry: CacheEntry } | undefined> {
  const entry = await readCache(dir);
  if (!entry || entry.dataset !== wanted.dataset || entry.file !== wanted.file) return undefined;
  if (remote.version !== undefined) {
    if (entry.version !== remote.version) return undefined;
  } else if (remote.remoteBytes === undefined || entry.remoteBytes !== remote.remoteBytes) {
    return undefined;
  }
  const path = join(dir, entry.archive);
  const info = await stat(path).catch(() => undefined);
  if (!info || info.size !== entry.size) return undefined;
  if ((await md5Of(path)) !== entry.md5) return undefined;
  return { path, entry };
}
