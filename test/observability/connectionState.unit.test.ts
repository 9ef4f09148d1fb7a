import { describe, expect, it } from 'vitest';
import { ConnectionState, isConnectionError, RedisState } from '../../src/connectionState.ts';
import { LogCapture } from './support/logCapture.ts';

describe('when a service goes away and comes back', () => {
  it('then the outage is one line when it starts and one when it ends, with how long it lasted', () => {
    const capture = new LogCapture();
    let now = 1_000_000;
    const state = new ConnectionState('postgres', capture.logger('debug'), { now: () => now });
    state.ok('readyz'); // up already: nothing to say
    for (let i = 0; i < 50; i++)
      state.failed(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }), i % 2 ? 'readyz' : 'click flush');
    now += 12_345;
    state.ok('click flush');
    state.ok('readyz');
    const info = capture.lines.filter((l) => l.level >= 30);
    expect(info.map((l) => l.msg)).toEqual(['postgres unavailable', 'postgres available again']);
    expect(info[0]).toMatchObject({ level: 50, dependency: 'postgres', source: 'click flush', err: 'connect ECONNREFUSED 127.0.0.1:5432' });
    expect(info[1]).toMatchObject({ level: 30, dependency: 'postgres', source: 'click flush', downSeconds: 12.3, failures: 50 });
    expect(state.available).toBe(true);
  });

  it('then errors that say the service could not be reached are told from errors about what was asked', () => {
    expect(isConnectionError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isConnectionError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isConnectionError(new Error('Connection is closed.'))).toBe(true);
    expect(isConnectionError(new Error('Client has encountered a connection error and is not queryable'))).toBe(true);
    expect(isConnectionError(new Error('Postgres connection has been discarded'))).toBe(true);
    expect(isConnectionError(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe(true);
    expect(isConnectionError(new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]))).toBe(true);
    expect(isConnectionError(new Error('LOADING Redis is loading the dataset in memory'))).toBe(true);
    expect(isConnectionError(Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' }))).toBe(false);
    expect(isConnectionError(new Error('Missing lock for job 1'))).toBe(false);
  });

  it('then a job lock lost in a Redis outage is part of it, while one lost on a quiet day is still a warning', () => {
    const capture = new LogCapture();
    let now = 1_000_000;
    const state = new RedisState(capture.logger('debug'), { now: () => now });
    const lockLost = () => new Error('Missing lock for job repeat:click-rollup-tick:1. moveToFinished');
    expect(state.reported(lockLost(), 'worker click-rollup')).toBe(false); // no outage: the worker logs it
    state.failed(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' }), 'queue connection');
    expect(state.reported(lockLost(), 'worker click-rollup')).toBe(true);
    now += 5_000;
    state.ok('queue connection');
    now += 30_000;
    expect(state.reported(lockLost(), 'worker click-rollup')).toBe(true); // surfaced after Redis came back
    now += 60_000;
    expect(state.reported(lockLost(), 'worker click-rollup')).toBe(false);
    expect(capture.lines.filter((l) => l.level >= 40).map((l) => l.msg)).toEqual(['redis unavailable']);
  });
});
