/**
 * `keys()` of the shared store: a synchronous iterator (the `StepState` contract) over a table read in pages of
 * `PAGE` keys, each page read by a worker thread while this one waits (synckit), so listing a ledger of a million
 * keys holds one page in memory, never the list. Pages follow the key order (`k > last`): a commit made while a
 * caller iterates may or may not show in the later pages (the checkpoint store's own view covers what it commits).
 */
import type { ConnectionOptions } from 'mysql2/promise';
import { createSyncFn } from 'synckit';

const PAGE = 5000;
type ReadPage = (request: { connect: ConnectionOptions; nsId: number; after?: string; limit: number }) => string[];
let readPage: ReadPage | undefined;

export function* keyPages(connect: ConnectionOptions, nsId: number): IterableIterator<string> {
  // One worker per process, started on the first listing (most runs never list keys).
  readPage ??= createSyncFn(new URL('../worker/keys-worker.js', import.meta.url).pathname) as ReadPage;
  let after: string | undefined;
  for (;;) {
    const page = readPage({ connect, nsId, ...(after === undefined ? {} : { after }), limit: PAGE });
    yield* page;
    if (page.length < PAGE) return;
    after = page[page.length - 1];
  }
}
