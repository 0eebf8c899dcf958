import { Help } from '@oclif/core';

/** Exit codes as `etl --help` lists them; the same table is in the README ("Exit codes"). */
export const EXIT_CODES: Array<[number, string]> = [
  [0, 'success'],
  [1, 'internal error (a bug in etl: please report it)'],
  [2, 'bad command-line usage'],
  [3, 'the pipeline or project config is invalid'],
  [4, 'a plugin could not be found or is not a valid plugin'],
  [5, 'the run stopped on a fatal error (auth, unreachable service, bad data)'],
  [6, 'retries or the daily budget ran out; the run can be resumed later'],
  [7, '`etl check` found a failing step'],
  [8, 'records were rejected and --fail-on-rejects was given'],
  [130, 'stopped by Ctrl-C (SIGINT) after a clean checkpoint; run again to resume'],
  [143, 'stopped by SIGTERM after a clean checkpoint; run again to resume'],
];

/** oclif's help with an EXIT CODES section at the end of the root page (`etl --help`). */
export default class EtlHelp extends Help {
  protected override async showRootHelp(): Promise<void> {
    await super.showRootHelp();
    const codes = this.renderList(
      EXIT_CODES.map(([code, text]) => [String(code), text]),
      { indentation: 2, stripAnsi: this.opts.stripAnsi },
    );
    this.log(`\n${this.section('EXIT CODES', codes)}\n`);
  }
}
