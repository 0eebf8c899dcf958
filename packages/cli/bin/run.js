#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';
import { execute } from '@oclif/core';

// A run streams millions of short-lived records, many of which live just long enough (in a sink's buffer) to be
// promoted; V8's default lets the old generation grow to about 4 × what survives before collecting it, so a process
// whose live heap is 50 MB sat at 300-400 MB. Growing by half keeps the peak near the live size, for ~15 more full
// collections of ~15 ms each in a 2-million-row run (docs/benchmarks.md, "Memory").
setFlagsFromString('--heap-growing-percent=50');

await execute({ dir: import.meta.url });

// The command is done and has said everything: a keep-alive socket a server holds open (or any other idle handle)
// must not keep the process waiting for the server's timeout. Exit once stdout and stderr are flushed.
const flushed = (stream) => new Promise((resolve) => stream.write('', resolve));
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(process.exitCode ?? 0);
