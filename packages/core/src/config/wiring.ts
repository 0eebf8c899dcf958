import type { ConfigIssue } from '../errors.js';
import type { PluginKind } from '../plugins/types.js';
import { issueAt } from './issues.js';
import { suggestion } from './levenshtein.js';
import { isPlainObject } from './paths.js';
import type { SourceMap } from './types.js';

/** A step's `inputs:` as a list (a string is a list of one). */
export function stepInputs(step: unknown): string[] {
  if (!isPlainObject(step)) return [];
  const inputs = step.inputs;
  if (typeof inputs === 'string') return [inputs];
  return Array.isArray(inputs) ? inputs.filter((input): input is string => typeof input === 'string') : [];
}

/**
 * Checks how steps connect: inputs name existing steps, one source with no inputs, every other step has exactly
 * one input, no cycles. `kinds` holds the kind of each step whose plugin resolved (others are checked less).
 * Returns the issues and the steps in topological order (sources first, file order among equals).
 */
export function checkWiring(
  steps: Record<string, unknown>,
  kinds: Map<string, PluginKind>,
  map: SourceMap,
): { issues: ConfigIssue[]; order: string[] } {
  const issues: ConfigIssue[] = [];
  const names = Object.keys(steps);
  const sources = names.filter((name) => kinds.get(name) === 'source');

  for (const name of names) {
    const inputs = stepInputs(steps[name]);
    const inputsPath = ['steps', name, 'inputs'];
    const raw = isPlainObject(steps[name]) ? steps[name].inputs : undefined;
    inputs.forEach((input, index) => {
      if (input in steps) return;
      const path = Array.isArray(raw) ? [...inputsPath, index] : inputsPath;
      issues.push(
        issueAt(
          map.valueAt(path),
          path,
          `no step named "${input}"`,
          suggestion(
            input,
            names.filter((n) => n !== name),
            'steps',
          ),
        ),
      );
    });
    const kind = kinds.get(name);
    if (kind === undefined) continue;
    if (kind === 'source' && inputs.length > 0) {
      issues.push(
        issueAt(
          map.keyAt(inputsPath),
          inputsPath,
          'a source reads from no other step',
          'remove `inputs:` from this step',
        ),
      );
    }
    if (kind !== 'source' && inputs.length === 0) {
      const hint =
        sources.length > 0 ? `add \`inputs: [${sources[0]}]\`` : 'add `inputs:` naming the step it reads from';
      issues.push(
        issueAt(
          map.keyAt(['steps', name]),
          ['steps', name],
          `a ${kind} cannot be first: it needs exactly one input`,
          hint,
        ),
      );
    }
    if (kind !== 'source' && inputs.length > 1) {
      issues.push(
        issueAt(
          map.valueAt(inputsPath),
          inputsPath,
          `a step reads from exactly one input, not ${inputs.length}`,
          'fan-in is not supported; fan-out is: several steps may name the same input',
        ),
      );
    }
  }

  if (sources.length > 1) {
    for (const extra of sources.slice(1)) {
      issues.push(
        issueAt(
          map.valueAt(['steps', extra, 'use']),
          ['steps', extra, 'use'],
          `a pipeline has exactly one source, but "${sources[0]}" and "${extra}" are both sources`,
          'split them into two pipelines',
        ),
      );
    }
  } else if (sources.length === 0 && names.length > 0 && names.every((name) => kinds.has(name))) {
    issues.push(
      issueAt(
        map.keyAt(['steps']),
        'steps',
        'the pipeline has no source step',
        'add a step whose plugin is a source, e.g. `use: kaggle`',
      ),
    );
  }

  /* Cycles and order: a depth-first walk along inputs; a step met again while on the stack closes a cycle. */
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): void => {
    const seen = state.get(name);
    if (seen === 'done') return;
    if (seen === 'visiting') {
      const cycle = [...stack.slice(stack.indexOf(name)), name];
      // Report the cycle at the step that appears first in the file, reading in data-flow order.
      const flow = cycle.slice(0, -1).reverse();
      const start = flow.reduce((first, step) => (names.indexOf(step) < names.indexOf(first) ? step : first));
      const rotated = [...flow.slice(flow.indexOf(start)), ...flow.slice(0, flow.indexOf(start)), start];
      const path = ['steps', start, 'inputs'];
      issues.push(
        issueAt(
          map.valueAt(path),
          path,
          `steps form a cycle: ${rotated.join(' → ')}`,
          'every step must lead back to the source through `inputs:`',
        ),
      );
      return;
    }
    state.set(name, 'visiting');
    stack.push(name);
    for (const input of stepInputs(steps[name])) if (input in steps) visit(input);
    stack.pop();
    state.set(name, 'done');
    order.push(name);
  };
  for (const name of names) visit(name);
  return { issues, order };
}
