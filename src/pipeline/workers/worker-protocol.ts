// Messages between the `otap run` primary and its worker processes (node:cluster IPC).
import type { EngineSummary } from '../engine/engine.js';
import type { PipelineSummary } from '../engine/pipeline-instance.js';

export type ToWorker =
  | { type: 'drain'; index: number; deadlineMs: number }
  | { type: 'exit' };

export type FromWorker =
  | { type: 'started'; worker: number }
  | { type: 'failed'; worker: number; error: string }
  | { type: 'summary'; worker: number; summary: EngineSummary; rss: number }
  | { type: 'done'; worker: number }
  | { type: 'drained'; worker: number; index: number; summary: PipelineSummary | undefined };

export const WORKER_INDEX_ENV = 'OTAP_WORKER_INDEX';
export const WORKER_PIPELINES_ENV = 'OTAP_WORKER_PIPELINES';
