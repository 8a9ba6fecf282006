// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import { PayloadBroadcaster } from "PayloadBroadcaster.sol";

/**
 * Orders MLS commits and proposals: the payload is a serialized xmtpv4 ClientEnvelope, and every
 * node indexes MessageSent into pseudo-originator 0. Function and event are XMTP's
 * (xmtp/smart-contracts src/app-chain/interfaces/IGroupMessageBroadcaster.sol). Anyone may call.
 */
contract GroupMessageBroadcaster is PayloadBroadcaster {
    event MessageSent(bytes16 indexed groupId, bytes message, uint64 indexed sequenceId);

    function addMessage(bytes16 groupId_, bytes calldata message_) external {
        emit MessageSent(groupId_, message_, _nextSequenceId(message_.length));
    }
}
