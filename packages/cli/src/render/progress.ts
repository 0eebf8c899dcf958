import { Writable } from 'node:stream';
import type { RunEvent } from '@etl/core';
import { formatCount } from './table.js';

interface StepProgress {
  read: number;
  written: number;
  rejected: number;
  phase?: string;
  done?: number;
  total?: number;
  unit?: string;
}

const MB = 1024 * 1024;
const amount = (n: number, unit?: string): string => (unit === 'bytes' ? `${(n / MB).toFixed(1)} MB` : formatCount(n));

/**
 * One updating status line on a terminal: per step, read/written (and the phase while a step reports one).
 * Log lines go through `stream`, which clears the status line first and redraws it after, so the two never mix.
 */
export class ProgressLine {
  private readonly steps = new Map<string, StepProgress>();
  private shown = false;
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;

  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {}

  /** A stream for the logger that keeps the status line at the bottom. */
  readonly stream = new Writable({
    write: (chunk: Buffer | string, _encoding, callback) => {
      this.clear();
      this.out.write(chunk);
      this.draw();
      callback();
    },
  });

  start(): void {
    // Redraw a few times a second at most, however often events arrive.
    this.timer = setInterval(() => this.dirty && this.draw(), 250);
    this.timer.unref();
  }

  onEvent(event: RunEvent): void {
    if (event.type === 'batch') {
      const step = this.step(event.step);
      step.read = event.read;
      step.written = event.written;
      step.rejected = event.rejected;
      this.dirty = true;
    } else if (event.type === 'step-progress') {
      Object.assign(this.step(event.step), {
        phase: event.phase,
        done: event.done,
        total: event.total,
        unit: event.unit,
      });
      this.dirty = true;
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.clear();
  }

  private step(name: string): StepProgress {
    let step = this.steps.get(name);
    if (!step) this.steps.set(name, (step = { read: 0, written: 0, rejected: 0 }));
    return step;
  }

  private render(): string {
    const parts: string[] = [];
    for (const [name, s] of this.steps) {
      let text = `${name} ${formatCount(s.read)}→${formatCount(s.written)}`;
      if (s.rejected > 0) text += ` (${formatCount(s.rejected)} rejected)`;
      if (s.phase) {
        const of =
          s.done !== undefined ? ` ${amount(s.done, s.unit)}${s.total ? `/${amount(s.total, s.unit)}` : ''}` : '';
        text = s.read === 0 && s.written === 0 ? `${name}: ${s.phase}${of}` : `${text} [${s.phase}${of}]`;
      }
      parts.push(text);
    }
    const line = parts.join(' | ');
    const width = this.out.columns || 120; // 0 on a pseudo-terminal without a size
    return line.length > width - 1 ? `${line.slice(0, width - 2)}…` : line;
  }

  private draw(): void {
    this.dirty = false;
    if (this.steps.size === 0) return;
    this.out.write(`\r\x1b[2K${this.render()}`);
    this.shown = true;
  }

  private clear(): void {
    if (this.shown) this.out.write('\r\x1b[2K');
    this.shown = false;
  }
}
