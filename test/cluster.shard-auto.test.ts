import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isAutoShard, schedulerShard, shardFlag } from '../src/cluster/scheduler-shard.ts';

test('--shard auto: a Slurm job array 0-(N-1) gives its task id and size', () => {
  assert.deepEqual(schedulerShard('auto', { SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_MAX: '3' }), {
    index: 2,
    count: 4,
    source: 'slurm',
  });
  // Older Slurm without TASK_COUNT: the size from min/max.
  assert.deepEqual(shardFlag('auto', { SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_MAX: '2' }), { index: 0, count: 3 });
});

test('--shard auto: a partial Slurm array (a resubmission) needs the count; auto/N and DISTILLERY_SHARD_COUNT give it', () => {
  const partial = { SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_COUNT: '2', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_MAX: '3' };
  assert.throws(() => schedulerShard('auto', partial), /array is not 0-1 .*give --shard auto\/N/);
  assert.deepEqual(shardFlag('auto/4', partial), { index: 3, count: 4 });
  assert.deepEqual(shardFlag('auto', { ...partial, DISTILLERY_SHARD_COUNT: '4' }), { index: 3, count: 4 });
  // auto/N wins over the environment's count.
  assert.deepEqual(shardFlag('auto/8', { ...partial, DISTILLERY_SHARD_COUNT: '4' }), { index: 3, count: 8 });
  assert.throws(() => shardFlag('auto/3', partial), /index 3 is not below the shard count 3/);
});

test('--shard auto: a Kubernetes Indexed Job gives JOB_COMPLETION_INDEX; the completions count is passed in', () => {
  assert.deepEqual(schedulerShard('auto', { JOB_COMPLETION_INDEX: '5', DISTILLERY_SHARD_COUNT: '8' }), { index: 5, count: 8, source: 'kubernetes' });
  assert.deepEqual(shardFlag('auto/6', { JOB_COMPLETION_INDEX: '0' }), { index: 0, count: 6 });
  assert.throws(() => shardFlag('auto', { JOB_COMPLETION_INDEX: '1' }), /JOB_COMPLETION_INDEX is set .* not the completions count/);
});

test('--shard auto: a clear error outside a scheduler and on malformed values', () => {
  assert.throws(() => shardFlag('auto', {}), /no scheduler shard in the environment .*SLURM_ARRAY_TASK_ID.*JOB_COMPLETION_INDEX.*--shard I\/N/);
  assert.throws(() => shardFlag('auto', { SLURM_ARRAY_TASK_ID: 'x', SLURM_ARRAY_TASK_COUNT: '2' }), /SLURM_ARRAY_TASK_ID="x"/);
  assert.throws(() => shardFlag('auto', { SLURM_ARRAY_TASK_ID: '1' }), /neither SLURM_ARRAY_TASK_COUNT nor/);
  assert.throws(() => shardFlag('auto/0', { JOB_COMPLETION_INDEX: '0' }), /must be at least 1/);
  assert.throws(() => shardFlag('automatic', {}), /expected I\/N/);
  // I/N is unchanged and ignores the environment.
  assert.deepEqual(shardFlag('1/4', { SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_COUNT: '4' }), { index: 1, count: 4 });
  assert.equal(isAutoShard(' auto/3 '), true);
  assert.equal(isAutoShard('0/3'), false);
});
