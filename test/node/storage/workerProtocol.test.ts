import fc from 'fast-check';
import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { ParleyError } from '../../../src/core/errors';
import {
  packGroupMessageInputs,
  packInsertedGroupMessages,
  SharedSlabs,
  unpackGroupMessageInputs,
  unpackInsertedGroupMessages,
} from '../../../src/node/storage/sqlite/workerProtocol';
import type { GroupMessageRecord } from '../../../src/node/storage/types';

const input = fc.record({
  groupId: fc.uint8Array({ maxLength: 40 }),
  data: fc.uint8Array({ maxLength: 400 }),
  senderHmac: fc.uint8Array({ maxLength: 40 }),
  shouldPush: fc.boolean(),
  isCommit: fc.boolean(),
});

describe('group messages packed for the SQLite worker', () => {
  it('unpacks what was packed', () => {
    fc.assert(
      fc.property(fc.array(input, { maxLength: 20 }), (inputs) => {
        expect(unpackGroupMessageInputs(packGroupMessageInputs(inputs))).toEqual(inputs);
      }),
    );
  });

  it('refuses random and cut bytes with Codec.Malformed, never another error', () => {
    const cut = fc.array(input, { minLength: 1, maxLength: 5 }).chain((inputs) => {
      const packed = packGroupMessageInputs(inputs);
      return fc.nat(packed.length - 1).map((n) => packed.subarray(0, n));
    });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), cut), (bytes) => {
        try {
          unpackGroupMessageInputs(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(ParleyError);
          expect((e as ParleyError).code).toBe('Codec.Malformed');
        }
      }),
      { numRuns: 500 },
    );
  });

  it('packs into shared slabs at any offset, and a later pack never changes an earlier one', () => {
    fc.assert(
      fc.property(fc.array(fc.array(input, { maxLength: 6 }), { maxLength: 30 }), (requests) => {
        // A small slab, so requests fill it, move to the next and sometimes get their own.
        const slabs = new SharedSlabs(2048);
        const packed = requests.map((inputs) => packGroupMessageInputs(inputs, slabs.allocate));
        packed.forEach((bytes, i) => {
          expect(bytes.buffer).toBeInstanceOf(SharedArrayBuffer);
          expect(unpackGroupMessageInputs(bytes)).toEqual(requests[i]);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('crosses to another thread through shared memory intact', async () => {
    const slabs = new SharedSlabs(4096);
    const inputs = [
      { groupId: new Uint8Array([1, 2]), data: new Uint8Array(300).fill(7), senderHmac: new Uint8Array([9]), shouldPush: true, isCommit: false },
    ];
    slabs.allocate(100);
    const packed = packGroupMessageInputs(inputs, slabs.allocate);
    const { port1, port2 } = new MessageChannel();
    const received = new Promise<Uint8Array>((resolve) => port2.once('message', resolve));
    port1.postMessage(packed);
    const copy = await received;
    port1.close();
    expect(copy.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(copy.byteOffset).toBe(packed.byteOffset);
    expect(unpackGroupMessageInputs(copy)).toEqual(inputs);
  });

  it('refuses a count larger than the bytes could hold before allocating for it', () => {
    const bytes = new Uint8Array([0xff, 0xff, 0xff, 0xff]);
    expect(() => unpackGroupMessageInputs(bytes)).toThrow(expect.objectContaining({ code: 'Codec.Malformed' }));
  });
});

describe('insertGroupMessages answered with ids only', () => {
  it('rebuilds fresh records from the inputs and keeps stored ones whole', () => {
    const inputs = [
      { groupId: new Uint8Array([1]), data: new Uint8Array([2]), senderHmac: new Uint8Array(), shouldPush: true, isCommit: false },
      { groupId: new Uint8Array([1]), data: new Uint8Array([3]), senderHmac: new Uint8Array([9]), shouldPush: false, isCommit: true },
    ];
    const stored: GroupMessageRecord = { ...inputs[0]!, id: 5n, createdNs: 50n, senderHmac: new Uint8Array([7]) };
    const fresh: GroupMessageRecord = { ...inputs[1]!, id: 9n, createdNs: 90n };
    const packed = packInsertedGroupMessages([stored, fresh], new Set([fresh]));
    const { records, fresh: announced } = unpackInsertedGroupMessages(inputs, packed);
    expect(records).toEqual([stored, fresh]);
    expect(announced).toEqual([fresh]);
    expect(packed.idsAndNs).toEqual([0n, 0n, 9n, 90n]);
  });
});
