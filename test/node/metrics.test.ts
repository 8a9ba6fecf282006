import Long from 'long';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGrpcWebApi } from '../../src/core/api';
import { GrpcCallError, call, openStream, startTestNode, type TestNode } from './helpers';
import { privateMessage } from './fixtures';

/** One sample's value from Prometheus text, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('Prometheus metrics', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode({ metrics: { host: '127.0.0.1', port: 0 } });
  });
  afterAll(async () => {
    await node.stop();
  });

  const scrape = async (): Promise<string> => {
    const res = await fetch(`http://127.0.0.1:${node.metricsPort}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    return res.text();
  };

  it('counts calls by method and status, and shows open streams, connections and memory', async () => {
    await call(node.client, 'getInboxIds', { requests: [] });
    await call(node.client, 'getInboxIds', { requests: [] });
    await expect(call(node.client, 'sendGroupMessages', { messages: [] })).rejects.toBeInstanceOf(GrpcCallError);
    const group = new Uint8Array(16).fill(0x6d);
    await call(node.client, 'sendGroupMessages', { messages: [{ v1: { data: privateMessage(group, 'm'), senderHmac: new Uint8Array(), shouldPush: true } }] });
    const native = openStream(node.client, 'subscribeGroupMessages', { filters: [{ groupId: group, idCursor: Long.UZERO }] });
    await native.take(1);
    const web = createGrpcWebApi({ url: `http://127.0.0.1:${node.webPort}` });
    const abort = new AbortController();
    const iterator = web.subscribeGroupMessages({ filters: [{ groupId: group, idCursor: Long.UZERO }] }, { signal: abort.signal })[Symbol.asyncIterator]();
    await iterator.next();

    const text = await scrape();

    expect(sample(text, 'parley_requests_total{method="GetInboxIds",status="OK"}')).toBe(2);
    expect(sample(text, 'parley_requests_total{method="SendGroupMessages",status="INVALID_ARGUMENT"}')).toBe(1);
    expect(sample(text, 'parley_requests_total{method="SendGroupMessages",status="OK"}')).toBe(1);
    expect(sample(text, 'parley_streams_open{method="SubscribeGroupMessages"}')).toBe(2);
    expect(sample(text, 'parley_connections_open{listener="grpc"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'parley_connections_open{listener="grpc-web"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(sample(text, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);

    native.cancel();
    await native.ended;
    abort.abort();
    await iterator.return?.();
    // The node learns of the cancels on its own time; a subscription the client ends ends OK.
    let after = await scrape();
    while (sample(after, 'parley_streams_open{method="SubscribeGroupMessages"}') !== 0) after = await scrape();
    expect(sample(after, 'parley_requests_total{method="SubscribeGroupMessages",status="OK"}')).toBe(2);
  });

  it('keeps the metrics off the gRPC-web port', async () => {
    const res = await fetch(`http://127.0.0.1:${node.webPort}/metrics`);
    expect(res.status).not.toBe(200);
    expect(await res.text()).not.toMatch(/parley_requests_total/);
  });
});
