import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseGoDuration, parseGoLog, recognize } from '../../src/trace/eliben.ts';
import {
  analyzeTrace,
  canonicalJsonSchema,
  detectFormat,
  parseTrace,
  TraceError,
} from '../../src/trace/index.ts';

/**
 * The parsers: eliben/raft's log lines and the canonical NDJSON format. Bad input gets a
 * located error (file, line, expected, found) or is counted and shown — never dropped
 * silently, never an uncaught exception (fuzzed below with fast-check, 10,000+ inputs).
 */

describe('eliben/raft lines', () => {
  it('reads the line shapes of eliben/raft parts 1–3 into the model vocabulary', () => {
    expect(recognize('becomes Candidate (currentTerm=1); log={}')?.raw).toEqual({
      kind: 'role',
      event: 'BecomeCandidate',
      term: 1,
      log: [],
    });
    expect(recognize('becomes Candidate (currentTerm=6; log[])')?.raw).toMatchObject({ term: 6, log: [] });
    expect(recognize('becomes Candidate (currentTerm=3); log=[{x 1} {y 2}]')?.raw).toMatchObject({
      log: [
        { term: 1, value: 'x' },
        { term: 2, value: 'y' },
      ],
    });
    expect(
      recognize('becomes Leader; term=4, nextIndex=map[1:1 2:1], matchIndex=map[1:0 2:0]; log=[]')?.raw,
    ).toMatchObject({ event: 'BecomeLeader', term: 4 });
    expect(recognize('becomes Follower with term=5; log=[]')?.raw).toMatchObject({
      event: 'BecomeFollower',
      term: 5,
    });
    expect(
      recognize(
        'RequestVote: {Term:1 CandidateId:0 LastLogIndex:0 LastLogTerm:0} [currentTerm=1, votedFor=-1]',
      )?.raw,
    ).toMatchObject({ kind: 'rvRecv', candidate: 'n0', before: { currentTerm: 1, votedFor: null } });
    expect(recognize('... RequestVote reply: &{Term:1 VoteGranted:true}')?.raw).toEqual({
      kind: 'rvReply',
      term: 1,
      granted: true,
    });
    expect(
      recognize(
        'sending AppendEntries to 2: ni=1, args={Term:2 LeaderId:0 PrevLogIndex:0 PrevLogTerm:0 Entries:[{Command:42 Term:2}] LeaderCommit:0}',
      )?.raw,
    ).toMatchObject({ kind: 'aeSend', to: 'n2', entries: [{ term: 2, value: '42' }] });
    expect(recognize('election timer started (150ms), term=3')?.raw).toEqual({
      kind: 'timer',
      timeoutMs: 150,
      term: 3,
    });
    expect(recognize('something eliben never logs')).toBeNull();
  });

  it("parses Go durations and Go's %v of a log", () => {
    expect(parseGoDuration('5ms')).toBe(5);
    expect(parseGoDuration('1.5s')).toBe(1500);
    expect(parseGoDuration('1m30s')).toBe(90000);
    expect(parseGoDuration('999.9µs')).toBeCloseTo(0.9999);
    expect(parseGoDuration('fast')).toBeNull();
    expect(parseGoLog('{}')).toEqual([]);
    expect(parseGoLog('[{Command:set Term:3}]')).toEqual([{ term: 3, value: 'set' }]);
    expect(parseGoLog('[oops')).toBeNull();
  });

  it('drops exact duplicates, orders by timestamp and shows what it did not understand', () => {
    const text = [
      'Some prose before the log.',
      '```',
      '10:00:00.000200 [1] election timer started (5ms), term=0',
      '10:00:00.000100 [0] election timer started (6ms), term=0',
      '10:00:00.000300 [2] frobnicating the widgets',
      '```',
      '```',
      '10:00:00.000100 [0] election timer started (6ms), term=0',
      '```',
    ].join('\n');
    const { trace } = parseTrace(text, 'pasted.md');
    expect(trace.duplicates).toBe(1);
    expect(trace.events.map((e) => [e.node, e.line])).toEqual([
      ['n0', 4],
      ['n1', 3],
    ]);
    expect(trace.skipped.filter((s) => s.kind === 'other').map((s) => s.line)).toEqual([1, 5]);
    expect(trace.skipped.find((s) => s.line === 5)?.reason).toMatch(/does not know/);
  });
});

describe('canonical NDJSON', () => {
  it('reads events and skips (and counts) non-JSON lines', () => {
    const text = [
      '{"event":"Cluster","nodes":["n1","n2","n3"]}',
      '',
      'a comment in a pasted trace',
      '{"event":"BecomeCandidate","node":"n1","time":1.5,"term":1}',
    ].join('\n');
    const { trace } = parseTrace(text, 't.ndjson');
    expect(trace.format).toBe('canonical');
    expect(trace.nodes).toEqual(['n1', 'n2', 'n3']);
    expect(trace.events).toEqual([{ event: 'BecomeCandidate', node: 'n1', time: 1.5, term: 1, line: 4 }]);
    expect(trace.skipped.map((s) => s.kind)).toEqual(['blank', 'other']);
  });

  it('names file, line, what was expected and what was found for an event that breaks the schema', () => {
    const text =
      '{"event":"BecomeCandidate","node":"n1","term":1}\n{"event":"BecomeLeader","node":"n1","term":"two"}\n';
    const error = (() => {
      try {
        parseTrace(text, 'bad.ndjson');
      } catch (e) {
        return e;
      }
    })() as TraceError;
    expect(error).toBeInstanceOf(TraceError);
    expect(error.line).toBe(2);
    expect(error.message).toMatch(
      /^bad\.ndjson:2: expected a trace event as in docs\/trace-format\.md, found field "term"/,
    );
    expect(() => parseTrace('{"event":"Crash","node":"n1"\n', 'cut.ndjson')).toThrow(
      /cut\.ndjson:1: expected one JSON object per line, found invalid JSON/,
    );
    const send =
      '{"event":"Send","node":"n2","message":{"type":"RequestVoteResponse","from":"n1","to":"n3","term":1,"voteGranted":true}}';
    expect(() => parseTrace(send, 's.ndjson')).toThrow(
      /s\.ndjson:1: expected message\.from to be the node that logs the Send \(n2\), found n1/,
    );
    expect(() =>
      parseTrace('{"event":"Cluster","nodes":["n1"]}\n{"event":"Crash","node":"n9"}\n', 'm.ndjson'),
    ).toThrow(/m\.ndjson:2: expected only the nodes of the Cluster event \(n1\), found node n9/);
  });

  it('detects the format, and says what it expected when it cannot', () => {
    expect(detectFormat('{"event":"Crash","node":"n1"}', 'x').format).toBe('canonical');
    expect(detectFormat('10:00:00.000001 [0] becomes Dead', 'x').format).toBe('eliben');
    expect(() => parseTrace('hello\nworld\n', 'prose.txt')).toThrow(
      /prose\.txt:1: expected a trace in one of the formats/,
    );
    expect(() => parseTrace('', 'empty.txt')).toThrow(/found an empty file/);
  });

  it('docs/trace-format.schema.json is the JSON Schema of the zod schema the parser validates with', () => {
    const file = 'docs/trace-format.schema.json';
    const generated = `${JSON.stringify(canonicalJsonSchema(), null, 2)}\n`;
    // RAFTKIT_REWRITE=1 npx vitest run test/trace/parsers.test.ts regenerates it (atomically).
    if (process.env.RAFTKIT_REWRITE === '1') {
      writeFileSync(`${file}.tmp`, generated);
      renameSync(`${file}.tmp`, file);
    }
    expect(readFileSync(file, 'utf8')).toBe(generated);
  });
});

describe('fuzzing: no uncaught exception, only TraceError', () => {
  const id = fc.integer({ min: 0, max: 3 });
  const n = fc.integer({ min: -1, max: 80 });
  const stamp = fc
    .tuple(
      fc.integer({ min: 0, max: 23 }),
      fc.integer({ min: 0, max: 59 }),
      fc.integer({ min: 0, max: 999999 }),
    )
    .map(
      ([h, m, us]) =>
        `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:33.${String(us).padStart(6, '0')}`,
    );
  const message = fc.oneof(
    fc
      .tuple(n, fc.constantFrom('{}', '[]', '', '[{x 1}]', '[{Command:y Term:2}]', '[{'))
      .map(([t, log]) => `becomes Candidate (currentTerm=${t}); log=${log}`),
    fc.tuple(n).map(([t]) => `becomes Candidate (currentTerm=${t}; log[])`),
    fc
      .tuple(id, n, id)
      .map(
        ([to, t, c]) =>
          `sending RequestVote to ${to}: {Term:${t} CandidateId:${c} LastLogIndex:0 LastLogTerm:0}`,
      ),
    fc
      .tuple(n, id, n, n)
      .map(
        ([t, c, ct, v]) =>
          `RequestVote: {Term:${t} CandidateId:${c} LastLogIndex:0 LastLogTerm:0} [currentTerm=${ct}, votedFor=${v}]`,
      ),
    fc.tuple(n, fc.boolean()).map(([t, g]) => `... RequestVote reply: &{Term:${t} VoteGranted:${g}}`),
    fc.tuple(n, fc.boolean()).map(([t, g]) => `received RequestVoteReply {Term:${t} VoteGranted:${g}}`),
    fc
      .tuple(fc.constantFrom('5ms', '1.5s', '7', 'µs'), n)
      .map(([d, t]) => `election timer started (${d}), term=${t}`),
    fc.tuple(n).map(([t]) => `becomes Leader; term=${t}, nextIndex=map[1:1], matchIndex=map[1:0]; log=[]`),
    fc.tuple(n).map(([t]) => `becomes Follower with term=${t}; log=[]`),
    fc
      .tuple(id, n, id)
      .map(
        ([to, t, l]) =>
          `sending AppendEntries to ${to}: ni=1, args={Term:${t} LeaderId:${l} PrevLogIndex:0 PrevLogTerm:0 Entries:[] LeaderCommit:0}`,
      ),
    fc
      .tuple(n, id)
      .map(
        ([t, l]) =>
          `AppendEntries: {Term:${t} LeaderId:${l} PrevLogIndex:0 PrevLogTerm:0 Entries:[{z 1}] LeaderCommit:1}`,
      ),
    fc.tuple(n, fc.boolean()).map(([t, s]) => `AppendEntries reply: {Term:${t} Success:${s}}`),
    fc
      .tuple(id)
      .map(([p]) => `AppendEntries reply from ${p} success: nextIndex := map[1:2], matchIndex := map[1:1]`),
    fc.constant('becomes Dead'),
    fc.string(),
  );
  const elibenLine = fc.tuple(stamp, id, message).map(([s, i, m]) => `${s} [${i}] ${m}`);
  const canonicalLine = fc.oneof(
    fc.json(),
    fc
      .record({
        event: fc.constantFrom(
          'Cluster',
          'BecomeCandidate',
          'BecomeLeader',
          'Send',
          'Receive',
          'TimerStart',
          'Crash',
          'State',
        ),
        node: fc.constantFrom('n1', 'n2', 'n3', ''),
        time: fc.oneof(fc.double({ noNaN: true }), fc.constant(undefined)),
        term: fc.oneof(fc.integer({ min: -1, max: 5 }), fc.constant(undefined)),
        nodes: fc.oneof(fc.constant(['n1', 'n2', 'n3']), fc.constant(undefined)),
        message: fc.oneof(
          fc.constant(undefined),
          fc.record({
            type: fc.constantFrom('RequestVoteRequest', 'RequestVoteResponse', 'AppendEntriesRequest'),
            from: fc.constantFrom('n1', 'n2', 'n3'),
            to: fc.constantFrom('n1', 'n2', 'n3'),
            term: fc.integer({ min: 0, max: 5 }),
            lastLogIndex: fc.constant(0),
            lastLogTerm: fc.constant(0),
            voteGranted: fc.boolean(),
          }),
        ),
      })
      .map((e) => JSON.stringify(e)),
  );
  const anyLine = fc.oneof(
    { weight: 5, arbitrary: elibenLine },
    { weight: 3, arbitrary: canonicalLine },
    { weight: 1, arbitrary: fc.constantFrom('```', '', '```go', 'prose line', '{') },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme' }) },
  );
  const document = fc
    .tuple(fc.array(anyLine, { maxLength: 25 }), fc.constantFrom('\n', '\r\n', '\r'))
    .map(([lines, eol]) => lines.join(eol));
  const onlyTraceErrors = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      if (!(error instanceof TraceError)) throw error;
    }
  };

  it('parseTrace on 12,000 random documents (auto, eliben, canonical) throws nothing but TraceError', () => {
    fc.assert(
      fc.property(
        document,
        fc.constantFrom('auto', 'eliben', 'canonical') as fc.Arbitrary<'auto'>,
        (text, format) => {
          onlyTraceErrors(() => parseTrace(text, 'fuzz.txt', format));
        },
      ),
      { numRuns: 12_000, seed: 20260601 },
    );
  });

  it('the whole analysis (parse, replay, diagnosis) on 2,000 random documents throws nothing but TraceError', () => {
    fc.assert(
      fc.property(document, (text) => {
        onlyTraceErrors(() => analyzeTrace(text, 'fuzz.txt'));
      }),
      { numRuns: 2_000, seed: 20260602 },
    );
  });
});
