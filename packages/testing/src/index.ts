/** @etl/testing: in-memory plugins, a fake clock, a real StepContext for hook-level tests, and contract suites. */
export { memorySource, type MemorySourceOptions, type MemorySourceStats, type MemoryRecords } from './memory-source.js';
export { ledgerSink, fakeDestination, type FakeDestination, type LedgerSinkOptions } from './ledger-sink.js';
export { collectSink, type CollectSinkOptions, type CollectSinkLog } from './collect-sink.js';
export { createFakeClock, type FakeClock } from './fake-clock.js';
export { createTestContext, type TestContext, type TestContextOptions } from './test-context.js';
export { resolvedPipeline, type PipelineStepInput } from './pipeline.js';
export { describeSourceContract, type SourceContractOptions } from './source-contract.js';
export { describeSinkContract, sinkBatch, type SinkContractOptions } from './sink-contract.js';
export { describeTransformContract, type TransformCase, type TransformContractOptions } from './transform-contract.js';
export { schemaProblems, configProblems, shapeProblems, SECRET_NAME } from './schema-checks.js';
export { tempDir, numberedRecords, readJsonLines, fnTransform, firstPerKeyTransform } from './fixtures.js';
