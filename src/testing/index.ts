/**
 * 'parley/testing': helpers for tests, vectors and benchmarks — never for an
 * app. seededRandom replays spec/vectors (spec/test-vectors.md §1); the group
 * fixture builds a distributed sender key at any size for benchmarks.
 */
export { seededRandom } from '../crypto/seeded-random.js';
export { createGroupBenchmarkFixture, type GroupBenchmarkFixture } from './group-fixture.js';
