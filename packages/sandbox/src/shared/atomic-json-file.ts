import { mkdir, open, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Reads a JSON file; `undefined` when it does not exist. A corrupt file throws with its path in the message. */
export async function readJsonFile<T>(path: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new Error(
      `The sandbox state file ${path} is not valid JSON (${(error as Error).message}). Delete it to start empty.`,
    );
  }
}

/**
 * Writes JSON through a temporary file and a rename, so a crash mid-write leaves the previous complete file rather
 * than a truncated one.
 */
export async function writeJsonFileAtomic(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temp, JSON.stringify(value));
  await rename(temp, path);
}

/**
 * Like {@link writeJsonFileAtomic} for an object with one large array (`head` plus `list` under `listKey`): items are
 * serialized in slices with a yield to the event loop between them, so a server that persists 100k+ records keeps
 * answering requests while it writes.
 */
export async function writeLargeJsonFileAtomic(
  path: string,
  head: Record<string, unknown>,
  listKey: string,
  list: readonly unknown[],
  sliceSize = 2000,
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const file = await open(temp, 'w');
  try {
    const opening = JSON.stringify(head);
    await file.write(`${opening.slice(0, -1)}${opening.length > 2 ? ',' : ''}${JSON.stringify(listKey)}:[`);
    for (let start = 0; start < list.length; start += sliceSize) {
      const slice = list
        .slice(start, start + sliceSize)
        .map((item) => JSON.stringify(item))
        .join(',');
      await file.write(start === 0 ? slice : `,${slice}`);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await file.write(']}');
    await file.close();
  } catch (error) {
    await file.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await rename(temp, path);
}
