import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import yauzl from 'yauzl';
import { yazl } from './yazl.js';
import { digestFile, type FileDigest } from './hash.js';

/** The file the real dataset holds; the committed sample is served under this name. */
export const FULL_CSV_NAME = 'babyNamesUSYOB-full.csv';

/** The committed sample (a few thousand rows of the real file), used when no `dataset` zip is given. */
export const SAMPLE_CSV_PATH = fileURLToPath(new URL('../../data/babyNamesUSYOB-sample.csv', import.meta.url));

/** Files up to this size come raw from a single-file download; larger ones as `<name>.zip`, as Kaggle does. */
export const COMPRESS_ABOVE_BYTES = 1_000_000;

// A fixed date keeps the generated sample archive byte-identical from run to run, so its MD5 is stable.
const SAMPLE_DATE = new Date('2023-01-01T00:00:00Z');

/** A file on disk the sandbox serves, with what storage headers say about it. */
export interface StoredFile extends FileDigest {
  path: string;
  contentType: string;
}

/** One file of the dataset (an entry of its archive). */
export interface DatasetFile extends StoredFile {
  /** The entry name, e.g. `babyNamesUSYOB-full.csv`. */
  name: string;
  creationDate: Date;
}

/** The dataset's archive and its files, on disk, hashed once at start. */
export interface DatasetStore {
  archive: StoredFile;
  files: DatasetFile[];
  file(name: string): DatasetFile | undefined;
  /** The single-file zip served for a large file; built on first use and kept. */
  compressed(name: string): Promise<StoredFile>;
  /** Removes the temporary directory. */
  close(): Promise<void>;
}

function contentTypeOf(name: string): string {
  if (name.endsWith('.zip')) return 'application/zip';
  if (name.endsWith('.csv')) return 'text/csv';
  if (name.endsWith('.json')) return 'application/json';
  return 'application/octet-stream';
}

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(path, { lazyEntries: true, autoClose: false }, (error, zip) => (error ? reject(error) : resolve(zip!))),
  );
}

function openEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) =>
    zip.openReadStream(entry, (error, stream) => (error ? reject(error) : resolve(stream!))),
  );
}

/** Extracts every file entry of `zipPath` into `dir`, streaming; returns names and dates in archive order. */
async function extractZip(zipPath: string, dir: string): Promise<Array<{ name: string; path: string; date: Date }>> {
  const zip = await openZip(zipPath);
  const out: Array<{ name: string; path: string; date: Date }> = [];
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', reject);
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName.endsWith('/')) return zip.readEntry();
        // yauzl has already refused absolute paths and `..` segments in fileName.
        const target = join(dir, 'files', entry.fileName);
        mkdir(dirname(target), { recursive: true })
          .then(() => openEntry(zip, entry))
          .then((stream) => pipeline(stream, createWriteStream(target)))
          .then(() => {
            out.push({ name: entry.fileName, path: target, date: entry.getLastModDate() });
            zip.readEntry();
          }, reject);
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
  return out;
}

/** Writes a zip holding `files` (path on disk → entry name) to `target`. */
async function writeZip(target: string, files: Array<{ path: string; name: string; mtime?: Date }>): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const file of files) zip.addFile(file.path, file.name, file.mtime ? { mtime: file.mtime } : {});
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(target));
}

async function stored(path: string, name: string): Promise<StoredFile> {
  return { path, contentType: contentTypeOf(name), ...(await digestFile(path)) };
}

/**
 * Prepares what the sandbox serves: the given dataset zip as is (its entries extracted to a temporary directory), or
 * an archive built from the committed sample. Hashes are computed here, once; requests stream from disk.
 */
export async function loadDataset(datasetZip?: string): Promise<DatasetStore> {
  const dir = await mkdtemp(join(tmpdir(), 'etl-kaggle-sandbox-'));
  try {
    let archive: StoredFile;
    let entries: Array<{ name: string; path: string; date: Date }>;
    if (datasetZip) {
      entries = await extractZip(datasetZip, dir);
      if (entries.length === 0)
        throw new Error(`The dataset zip ${datasetZip} holds no files; give a zip with the dataset's files.`);
      archive = await stored(datasetZip, 'archive.zip');
    } else {
      const archivePath = join(dir, 'archive.zip');
      await writeZip(archivePath, [{ path: SAMPLE_CSV_PATH, name: FULL_CSV_NAME, mtime: SAMPLE_DATE }]);
      await utimes(archivePath, SAMPLE_DATE, SAMPLE_DATE);
      archive = await stored(archivePath, 'archive.zip');
      entries = [{ name: FULL_CSV_NAME, path: SAMPLE_CSV_PATH, date: SAMPLE_DATE }];
    }
    const files: DatasetFile[] = [];
    for (const entry of entries) {
      files.push({ name: entry.name, creationDate: entry.date, ...(await stored(entry.path, entry.name)) });
    }
    const compressed = new Map<string, Promise<StoredFile>>();
    return {
      archive,
      files,
      file: (name) => files.find((file) => file.name === name),
      compressed(name) {
        let pending = compressed.get(name);
        if (!pending) {
          const file = files.find((candidate) => candidate.name === name);
          if (!file) return Promise.reject(new Error(`No file ${name} in the dataset.`));
          // A hashed, flat name: entry names may contain directories.
          const target = join(dir, `compressed-${createHash('sha1').update(name).digest('hex')}.zip`);
          pending = writeZip(target, [{ path: file.path, name, mtime: file.creationDate }]).then(() =>
            stored(target, `${name}.zip`),
          );
          compressed.set(name, pending);
          // A failed build is not remembered, so the next request tries again.
          pending.catch(() => compressed.delete(name));
        }
        return pending;
      },
      close: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
