/** Which indexes a first load into an empty table may build afterwards, and how the table records what it owes. */
import { describe, expect, it } from 'vitest';
import { DEFERRED_MARK, parseDeferred, plainKeys } from '../src/deferred-indexes.js';

const table = (extra: string) => `CREATE TABLE \`t\` (
  \`id\` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  \`name\` varchar(64) NOT NULL,
  \`sex\` char(1) NOT NULL,
  PRIMARY KEY (\`id\`),
  UNIQUE KEY \`uq\` (\`name\`,\`sex\`),
  KEY \`idx_name\` (\`name\`(10)) COMMENT 'lookups',
  FULLTEXT KEY \`ft\` (\`name\`)${extra}
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`;

describe('deferred indexes', () => {
  it('defers only plain KEYs: never the primary key, unique keys (duplicates must be found on arrival) or FULLTEXT', () => {
    expect(plainKeys(table(''))).toEqual(["KEY `idx_name` (`name`(10)) COMMENT 'lookups'"]);
  });

  it('leaves a table with foreign keys alone', () => {
    expect(plainKeys(table(',\n  CONSTRAINT `fk` FOREIGN KEY (`id`) REFERENCES `p` (`id`)'))).toBeUndefined();
  });

  it('reads what a table owes from its comment, and nothing from an ordinary comment', () => {
    const owed = { keys: ['KEY `idx_name` (`name`)'], comment: 'the users’ own comment' };
    expect(parseDeferred(DEFERRED_MARK + JSON.stringify(owed))).toEqual(owed);
    expect(parseDeferred('baby names')).toBeUndefined();
    expect(parseDeferred(`${DEFERRED_MARK}{not json`)).toBeUndefined();
  });
});
