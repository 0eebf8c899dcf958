/**
 * Who hears about the answers of core's HTTP client, per step context: the runtime registers a listener when it builds
 * a context, and `createHttpClient` reports each answer to it. Kept off the plugin contract (`StepContext`), so plugins
 * neither see nor fake it.
 */
import type { StepContext } from '../plugins/types.js';

/** `status` is undefined when no answer came (network error, timeout); `seconds` from send to answer. */
export type HttpAnswerListener = (answer: { status?: number; seconds: number }) => void;

const listeners = new WeakMap<StepContext, HttpAnswerListener>();

export function listenToHttpAnswers(ctx: StepContext, listener: HttpAnswerListener): void {
  listeners.set(ctx, listener);
}

export const httpAnswerListenerOf = (ctx: StepContext): HttpAnswerListener | undefined => listeners.get(ctx);
