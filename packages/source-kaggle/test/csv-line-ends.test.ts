/** Line ends: any mix of LF, CRLF and CR in one file, wherever the chunks of the read stream happen to split it. */
import { describe, expect, it } from 'vitest';
import { defaultColumns } from '../src/config.js';
import { readCsvBatches } from '../src/csv-records.js';

async function read(chunks: string[]) {
  const records: unknown[] = [];
  const lines: number[] = [];
  const rejects: unknown[] = [];
  async function* input() {
    yield* chunks;
  }
  for await (const batch of readCsvBatches(input(), { file: 'x.csv', columns: defaultColumns, batchSize: 100 })) {
    records.push(...batch.records);
    lines.push(...batch.lines);
    rejects.push(...batch.rejects);
  }
  return { records, lines, rejects };
}

const header = 'YearOfBirth,Name,Sex,Number';
const expected = [
  { year: 1880, name: 'Mary', sex: 'F', count: 7 },
  { year: 1880, name: 'Anna', sex: 'F', count: 8 },
  { year: 1880, name: 'Emma', sex: 'F', count: 9 },
  { year: 1881, name: 'Ida', sex: 'F', count: 10 },
];
const rows = ['1880,Mary,F,7', '1880,Anna,F,8', '1880,Emma,F,9', '1881,Ida,F,10'];

describe('readCsvBatches line ends', () => {
  it.each([
    ['LF with one CRLF', [header, ...rows].join('\n').replace('9\n', '9\r\n')],
    ['CRLF with one LF', [header, ...rows].join('\r\n').replace('8\r\n', '8\n')],
    ['CR only', [header, ...rows].join('\r')],
    ['every kind', `${header}\r\n${rows[0]}\n${rows[1]}\r${rows[2]}\r\n${rows[3]}\n`],
    ['a CR after the last field, no final line end', `${[header, ...rows].join('\n')}\r`],
    ['a CRLF after the last field', `${[header, ...rows].join('\n')}\r\n`],
  ])('%s: every row loads, each at its own line', async (_, text) => {
    const { records, lines, rejects } = await read([text]);
    expect(rejects).toEqual([]);
    expect(records).toEqual(expected);
    expect(lines).toEqual([2, 3, 4, 5]);
  });

  it('a CRLF split between two chunks is one line end', async () => {
    const text = `${header}\n${rows[0]}\r\n${rows[1]}\r\n${rows[2]}\n${rows[3]}\r\n`;
    for (let cut = 1; cut < text.length; cut++) {
      const { records, lines, rejects } = await read([text.slice(0, cut), text.slice(cut)]);
      expect({ cut, rejects, records, lines }).toEqual({ cut, rejects: [], records: expected, lines: [2, 3, 4, 5] });
    }
  });
});
