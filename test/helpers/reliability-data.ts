/**
 * Datasets for the reliability suite and what a correct load of them must leave behind, computed from the CSV itself
 * (not from a run of the code under test): the rows of `baby_names` (count + CRC32 checksum, as MySQL computes it)
 * and the set of HubSpot emails.
 */
import { execFile } from 'node:child_process';
import { createReadStream, existsSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { crc32 } from 'node:zlib';
import { repoRoot } from './reliability-env.js';

export const CSV_NAME = 'babyNamesUSYOB-full.csv';
export const HEADER = 'YearOfBirth,Name,Sex,Number';

/** The real dataset: `<repo>/../shared/data/…` (CI keeps ../shared beside the clone), else /work/shared/data/…. */
export function fullDatasetZip(): string | undefined {
  const candidates = [
    resolve(repoRoot, '../shared/data/us-baby-names-by-year-of-birth.zip'),
    '/work/shared/data/us-baby-names-by-year-of-birth.zip',
  ];
  return candidates.find((p) => existsSync(p));
}

/**
 * Writes a deterministic CSV of `names × 2 sexes × years` rows (unique year+name+sex, like the real file) in the
 * real header, with invented ASCII names so the expected email of each is plain lowercase.
 */
export function generateCsv(file: string, options: { names: number; years: number; seed: number }): void {
  const lines = [HEADER];
  const syllables = ['ka', 'lo', 'mi', 're', 'an', 'to', 'si', 'el', 'ur', 'bo', 'ne', 'ja', 'vi', 'qu', 'da', 'fy'];
  const names: string[] = [];
  for (let i = 0; names.length < options.names; i++) {
    let n = i + options.seed * 7;
    let name = '';
    do {
      name += syllables[n % syllables.length];
      n = Math.floor(n / syllables.length);
    } while (n > 0);
    names.push(name[0].toUpperCase() + name.slice(1) + String.fromCharCode(97 + (i % 26)));
  }
  for (let y = 0; y < options.years; y++) {
    const year = 1950 + y;
    for (let i = 0; i < names.length; i++) {
      for (const sex of ['F', 'M'])
        lines.push(`${year},${names[i]},${sex},${5 + ((i * 31 + y * 7 + (sex === 'F' ? 3 : 0)) % 900)}`);
    }
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

/** Zips `csvFile` as one entry named `babyNamesUSYOB-full.csv` (what the Kaggle stand-in serves). */
export async function zipCsv(csvFile: string, zipFile: string): Promise<void> {
  // In a plain Node child: under vitest's `import` condition yazl's require of buffer-crc32 gets the ESM build and
  // crashes ("crc32.unsigned is not a function"; see packages/sandbox/src/kaggle/yazl.ts).
  const script = `const yazl = require(${JSON.stringify(yazlPath)}); const fs = require('node:fs');
const zip = new yazl.ZipFile(); zip.addFile(process.argv[1], ${JSON.stringify(CSV_NAME)}); zip.end();
zip.outputStream.pipe(fs.createWriteStream(process.argv[2])).on('close', () => process.exit(0));`;
  await promisify(execFile)(process.execPath, ['-e', script, csvFile, zipFile], { timeout: 120_000 });
}

const yazlPath = createRequire(join(repoRoot, 'packages/sandbox/package.json')).resolve('yazl');

/** What a correct load of a clean CSV leaves: rows, MySQL's checksum and the HubSpot emails. */
export interface Expected {
  rows: number;
  checksum: string;
  emails: Set<string>;
  /** email → firstname, for checking contacts carry the name literally. */
  firstnames: Map<string, string>;
}

/** The pipeline's email template, `{{ name | slug }}.{{ sex | lower }}@babynames.example.com`, for ASCII names. */
export function expectedEmail(name: string, sex: string): string {
  if (/[^\x00-\x7f]/.test(name)) throw new Error(`expectedEmail handles ASCII names only, got ${name}`);
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `${slug}.${sex.toLowerCase()}@babynames.example.com`;
}

/** Reads a clean CSV (or the entry of a zip) and computes {@link Expected}; every data line must be a valid row. */
export async function expectedOf(csv: NodeJS.ReadableStream): Promise<Expected> {
  const keys = new Map<string, string>();
  const emails = new Set<string>();
  const firstnames = new Map<string, string>();
  let header = true;
  for await (const raw of createInterface({ input: csv, crlfDelay: Infinity })) {
    const line = raw.replace(/^\uFEFF/, '');
    if (header) {
      header = false;
      if (line !== HEADER) throw new Error(`unexpected header ${line}`);
      continue;
    }
    if (!line) continue;
    const [year, name, sex, count] = line.split(',');
    keys.set(`${year}|${name}|${sex}`, count);
    const email = expectedEmail(name, sex);
    if (!emails.has(email)) firstnames.set(email, name);
    emails.add(email);
  }
  let sum = 0n;
  for (const [key, count] of keys) sum += BigInt(crc32(Buffer.from(`${key}|${count}`, 'utf8')));
  return { rows: keys.size, checksum: sum.toString(), emails, firstnames };
}

export const expectedOfFile = (file: string) => expectedOf(createReadStream(file));

/** Opens the one CSV entry of a zip as a stream. */
export async function openZipEntry(zipFile: string): Promise<NodeJS.ReadableStream> {
  const yauzl = createRequire(join(repoRoot, 'packages/sandbox/package.json'))('yauzl') as typeof import('yauzl');
  return new Promise((res, rej) =>
    yauzl.open(zipFile, { lazyEntries: true }, (error, zip) => {
      if (error || !zip) return rej(error);
      zip.on('entry', (entry: import('yauzl').Entry) => {
        if (!entry.fileName.endsWith('.csv')) return zip.readEntry();
        zip.openReadStream(entry, (e, stream) => (e || !stream ? rej(e) : res(stream)));
      });
      zip.on('end', () => rej(new Error(`${zipFile} holds no .csv entry`)));
      zip.readEntry();
    }),
  );
}
