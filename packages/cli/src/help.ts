import { Help } from '@oclif/core';
import { EXIT_CODE_MEANINGS } from '@etl/core';

/** oclif's help with an EXIT CODES section at the end of the root page (`etl --help`). */
export default class EtlHelp extends Help {
  protected override async showRootHelp(): Promise<void> {
    await super.showRootHelp();
    const codes = this.renderList(
      EXIT_CODE_MEANINGS.map(([code, text]) => [String(code), text]),
      { indentation: 2, stripAnsi: this.opts.stripAnsi },
    );
    this.log(`\n${this.section('EXIT CODES', codes)}\n`);
  }
}
