import type { GroupMessage, PagingInfo, WelcomeMessage } from '@xmtp/proto/mls/api/v1/mls.pb';
import { SortDirection } from '@xmtp/proto/mls/api/v1/mls.pb';
import Long from 'long';
import type { GroupMessageRecord, PageRequest, WelcomeRecord } from '../storage/types';

/** libxmtp and xmtp-node-go both page by 100 (xmtp_configuration MAX_PAGE_SIZE, maxPageSize). */
export const MAX_PAGE_SIZE = 100;

export function u64(value: bigint): Long {
  return Long.fromBigInt(value, true);
}

export function fromU64(value: Long | undefined): bigint {
  return value ? BigInt.asUintN(64, value.toBigInt()) : 0n;
}

/**
 * A store page from a request's PagingInfo, with xmtp-node-go's defaults: descending unless
 * ascending is asked for, a limit of 1..100 (anything else means 100), cursor 0 = none.
 */
export function pageFrom(info: PagingInfo | undefined): PageRequest {
  const limit = info && info.limit > 0 && info.limit <= MAX_PAGE_SIZE ? info.limit : MAX_PAGE_SIZE;
  return {
    direction: info?.direction === SortDirection.SORT_DIRECTION_ASCENDING ? 'ascending' : 'descending',
    cursor: fromU64(info?.idCursor),
    limit,
  };
}

/**
 * The PagingInfo answered with a page: the last id as the next cursor when the page is full,
 * 0 when it is not (xmtp-node-go readStore; libxmtp's v3_paged stops on a short page or 0).
 */
export function pagingInfoFor(page: PageRequest, lastIds: readonly bigint[]): PagingInfo {
  const last = lastIds.length >= page.limit ? lastIds[lastIds.length - 1] : undefined;
  return {
    direction: page.direction === 'ascending' ? SortDirection.SORT_DIRECTION_ASCENDING : SortDirection.SORT_DIRECTION_DESCENDING,
    limit: page.limit,
    idCursor: u64(last ?? 0n),
  };
}

export function groupMessageProto(r: GroupMessageRecord, includeContent = true): GroupMessage {
  return {
    v1: {
      id: u64(r.id),
      createdNs: u64(r.createdNs),
      groupId: r.groupId,
      data: includeContent ? r.data : new Uint8Array(),
      senderHmac: includeContent ? r.senderHmac : new Uint8Array(),
      shouldPush: includeContent ? r.shouldPush : false,
      isCommit: r.isCommit,
    },
  };
}

export function welcomeProto(r: WelcomeRecord): WelcomeMessage {
  if (r.kind === 'pointer') {
    return {
      welcomePointer: {
        id: u64(r.id),
        createdNs: u64(r.createdNs),
        installationKey: r.installationKey,
        welcomePointer: r.data,
        hpkePublicKey: r.hpkePublicKey,
        wrapperAlgorithm: r.wrapperAlgorithm,
      },
    };
  }
  return {
    v1: {
      id: u64(r.id),
      createdNs: u64(r.createdNs),
      installationKey: r.installationKey,
      data: r.data,
      hpkePublicKey: r.hpkePublicKey,
      wrapperAlgorithm: r.wrapperAlgorithm,
      welcomeMetadata: r.welcomeMetadata,
    },
  };
}
