/** What the Kaggle stand-in's tests share: the dataset's names, reading zips back, and the X-Goog-Hash header. */
import { createHash } from 'node:crypto';
import yauzl from 'yauzl';

export const REF = 'thedevastator/us-baby-names-by-year-of-birth';
export const CSV = 'babyNamesUSYOB-full.csv';

/** Every entry of a zip, from bytes in memory or a file (test archives are small). */
export async function unzip(source: Buffer | string): Promise<Map<string, Buffer>> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => {
    const done = (error: Error | null, file?: yauzl.ZipFile) => (error ? reject(error) : resolve(file!));
    if (typeof source === 'string') yauzl.open(source, { lazyEntries: true }, done);
    else yauzl.fromBuffer(source, { lazyEntries: true }, done);
  });
  const entries = new Map<string, Buffer>();
  await new Promise<void>((resolve, reject) => {
    zip.on('error', reject);
    zip.on('end', () => resolve());
    zip.on('entry', (entry: yauzl.Entry) => {
      zip.openReadStream(entry, async (error, stream) => {
        if (error) return reject(error);
        const chunks: Buffer[] = [];
        for await (const chunk of stream!) chunks.push(chunk as Buffer);
        entries.set(entry.fileName, Buffer.concat(chunks));
        zip.readEntry();
      });
    });
    zip.readEntry();
  });
  return entries;
}

export const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('base64');

/** `X-Goog-Hash: crc32c=…,md5=…` as an object. */
export const hashHeader = (response: Response) =>
  Object.fromEntries(
    (response.headers.get('x-goog-hash') ?? '').split(',').map((part) => {
      const at = part.indexOf('=');
      return [part.slice(0, at), part.slice(at + 1)];
    }),
  );
