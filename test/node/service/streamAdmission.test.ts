import { describe, expect, it } from 'vitest';
import { isParleyError } from '../../../src/core/errors';
import { StreamAdmission } from '../../../src/node/service/streamAdmission';

function refusal(run: () => unknown): { code: string; details: string | undefined } {
  try {
    run();
  } catch (e) {
    if (isParleyError(e)) return { code: e.code, details: e.details };
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('stream admission', () => {
  it('refuses a client its stream past the per-client cap while others still get theirs', () => {
    const admission = new StreamAdmission({ perClient: 2, total: 10, topicsPerStream: 100, totalTopics: 1000 });
    admission.admit('a', 1);
    admission.admit('a', 1);
    expect(refusal(() => admission.admit('a', 1))).toEqual({ code: 'Api.ResourceExhausted', details: '2 open, at most 2' });
    admission.admit('b', 1);
    expect(admission.open('b')).toBe(1);
  });

  it('refuses past the node-wide cap, whoever asks, and admits again once a stream ends', () => {
    const admission = new StreamAdmission({ perClient: 5, total: 3, topicsPerStream: 100, totalTopics: 1000 });
    const endA = admission.admit('a', 1);
    admission.admit('b', 1);
    admission.admit('c', 1);
    expect(refusal(() => admission.admit('d', 1)).code).toBe('Api.ResourceExhausted');
    endA();
    endA(); // ending twice frees one slot, not two
    admission.admit('d', 1);
    expect(refusal(() => admission.admit('e', 1)).code).toBe('Api.ResourceExhausted');
    expect(admission.open('a')).toBe(0);
  });

  it('refuses a stream naming too many topics, and topics past the node-wide total', () => {
    const admission = new StreamAdmission({ perClient: 10, total: 10, topicsPerStream: 50, totalTopics: 80 });
    expect(refusal(() => admission.admit('a', 51)).details).toBe('51, at most 50');
    const end = admission.admit('a', 50);
    expect(refusal(() => admission.admit('b', 31)).details).toBe('50 watched, 31 asked, at most 80');
    admission.admit('b', 30);
    end();
    admission.admit('c', 50);
    expect(admission.open()).toBe(2);
  });

  it('has no cap where a limit is 0', () => {
    const admission = new StreamAdmission({ perClient: 0, total: 0, topicsPerStream: 0, totalTopics: 0 });
    for (let i = 0; i < 1000; i++) admission.admit('a', 100_000);
    expect(admission.open('a')).toBe(1000);
  });
});
