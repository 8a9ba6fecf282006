// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import { PayloadBroadcaster } from "PayloadBroadcaster.sol";

/**
 * Orders identity updates: the payload is a serialized xmtpv4 ClientEnvelope, and every node
 * indexes IdentityUpdateCreated into pseudo-originator 1. Function and event are XMTP's
 * (xmtp/smart-contracts src/app-chain/interfaces/IIdentityUpdateBroadcaster.sol). Anyone may call.
 */
contract IdentityUpdateBroadcaster is PayloadBroadcaster {
    event IdentityUpdateCreated(bytes32 indexed inboxId, bytes update, uint64 indexed sequenceId);

    function addIdentityUpdate(bytes32 inboxId_, bytes calldata identityUpdate_) external {
        emit IdentityUpdateCreated(inboxId_, identityUpdate_, _nextSequenceId(identityUpdate_.length));
    }
}
