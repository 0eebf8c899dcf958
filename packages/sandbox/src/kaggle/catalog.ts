import { createHash } from 'node:crypto';
import type { DatasetFile, DatasetStore } from './dataset.js';

/** The dataset served by default. */
export const DEFAULT_DATASET_REF = 'thedevastator/us-baby-names-by-year-of-birth';

/** A second dataset whose downloads answer 403, like a dataset whose rules the user has not accepted. */
export const GATED_DATASET_REF = 'sandbox/private-dataset';

/** A dataset as the sandbox knows it: metadata plus the files it serves. */
export interface CatalogEntry {
  ref: string;
  owner: string;
  slug: string;
  /** Kaggle's numeric dataset id, used in storage paths. */
  id: number;
  title: string;
  currentVersionNumber: number;
  /** Downloads answer 403 when set. */
  gated: boolean;
  store: DatasetStore;
}

/** The datasets the sandbox serves, by `owner/slug`. */
export type Catalog = Map<string, CatalogEntry>;

function numericId(ref: string): number {
  // Stable across runs, so links and metadata do not change between restarts.
  return 1_000_000 + (createHash('sha1').update(ref).digest().readUInt32BE(0) % 9_000_000);
}

function titleOf(slug: string): string {
  return slug
    .split('-')
    .map((word) => (word === 'us' ? 'US' : word.charAt(0).toUpperCase() + word.slice(1)))
    .join(' ');
}

/** Builds the catalog: the served dataset and the gated one (same files, downloads refused). */
export function createCatalog(ref: string, store: DatasetStore): Catalog {
  const catalog: Catalog = new Map();
  for (const [entryRef, gated] of [
    [ref, false],
    [GATED_DATASET_REF, true],
  ] as const) {
    const [owner, slug] = entryRef.split('/') as [string, string];
    catalog.set(entryRef, {
      ref: entryRef,
      owner,
      slug,
      id: numericId(entryRef),
      title: titleOf(slug),
      currentVersionNumber: 1,
      gated,
      store,
    });
  }
  return catalog;
}

/** Checks a `owner/slug` given by the caller of `startKaggleSandbox`. */
export function isDatasetRef(ref: string): boolean {
  return /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(ref);
}

/** Storage paths mirror `kaggle-data-sets/<datasetId>/<versionId>/…` on GCS. */
export function storagePrefix(entry: CatalogEntry): string {
  return `/storage/kaggle-data-sets/${entry.id}/${entry.id * 10 + entry.currentVersionNumber}`;
}

function fileJson(entry: CatalogEntry, file: DatasetFile) {
  return {
    ref: `${entry.ref}/${file.name}`,
    datasetRef: entry.ref,
    ownerRef: entry.owner,
    name: file.name,
    creationDate: file.creationDate.toISOString(),
    description: null,
    fileType: file.name.includes('.') ? `.${file.name.split('.').pop()}` : '',
    url: `/datasets/${entry.ref}?select=${encodeURIComponent(file.name)}`,
    totalBytes: file.size,
    columns: [],
  };
}

/** The body of `GET /api/v1/datasets/list/<owner>/<slug>`. */
export function listJson(entry: CatalogEntry) {
  return {
    datasetFiles: entry.store.files.map((file) => fileJson(entry, file)),
    errorMessage: null,
    nextPageToken: '',
  };
}

/** The total uncompressed size of the dataset's files. */
export function totalBytes(entry: CatalogEntry): number {
  return entry.store.files.reduce((sum, file) => sum + file.size, 0);
}

/** The body of `GET /api/v1/datasets/view/<owner>/<slug>`. */
export function viewJson(entry: CatalogEntry) {
  const lastUpdated = entry.store.files.reduce((latest, file) => Math.max(latest, file.creationDate.getTime()), 0);
  return {
    id: entry.id,
    ref: entry.ref,
    title: entry.title,
    subtitle: `${entry.title}, served by the local Kaggle sandbox`,
    creatorName: entry.owner,
    ownerName: entry.owner,
    ownerRef: entry.owner,
    url: `/datasets/${entry.ref}`,
    isPrivate: entry.gated,
    licenseName: 'CC0: Public Domain',
    totalBytes: totalBytes(entry),
    lastUpdated: new Date(lastUpdated).toISOString(),
    currentVersionNumber: entry.currentVersionNumber,
    files: entry.store.files.map((file) => fileJson(entry, file)),
    versions: [
      {
        versionNumber: entry.currentVersionNumber,
        creationDate: new Date(lastUpdated).toISOString(),
        creatorName: entry.owner,
        versionNotes: 'Initial release',
        status: 'Ready',
      },
    ],
  };
}
