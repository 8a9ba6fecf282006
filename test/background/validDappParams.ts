/** An address that is well formed; nothing needs to be registered for it. */
export const ALICE = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8';

/**
 * Valid params for every window.xmtp method that takes some, so that a refused call fails on the
 * grant check and not on parameter validation. Shared by the router test and the extension e2e test.
 */
export const VALID_DAPP_PARAMS: Record<string, unknown> = {
  xmtp_canMessage: { identifiers: [ALICE] },
  xmtp_listConversations: {},
  xmtp_createDm: { identifier: ALICE },
  xmtp_createGroup: { identifiers: [ALICE] },
  xmtp_getMessages: { conversationId: 'aa' },
  xmtp_sendMessage: { conversationId: 'aa', content: { type: 'text', text: 'hi' } },
  xmtp_updateGroup: { conversationId: 'aa', name: 'x' },
  xmtp_addMembers: { conversationId: 'aa', identifiers: [ALICE] },
  xmtp_removeMembers: { conversationId: 'aa', identifiers: [ALICE] },
  xmtp_setConsent: { conversationId: 'aa', state: 'allowed' },
  xmtp_hmacKeys: { conversationId: 'aa' },
  xmtp_updateKeys: { conversationId: 'aa' },
  xmtp_groupPermissions: { conversationId: 'aa' },
  xmtp_addAdmin: { conversationId: 'aa', inboxId: 'ab'.repeat(32) },
  xmtp_removeAdmin: { conversationId: 'aa', inboxId: 'ab'.repeat(32) },
  xmtp_addSuperAdmin: { conversationId: 'aa', inboxId: 'ab'.repeat(32) },
  xmtp_removeSuperAdmin: { conversationId: 'aa', inboxId: 'ab'.repeat(32) },
  xmtp_updatePermission: { conversationId: 'aa', update: 'addMember', option: 'admin' },
};
