import { raftConformance } from 'raftkit/vitest';
import { createMyRaft } from '../src/my-raft.js';

// Every scenario of the raftkit suite becomes one vitest test against a fresh node cluster.
raftConformance(() => createMyRaft(), { title: 'my raft against raftkit' });
