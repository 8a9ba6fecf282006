// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/**
 * The shared part of Parley's two broadcasters: a payload size check and one global sequence id
 * per contract (not per group), as XMTP's PayloadBroadcaster (xmtp/smart-contracts
 * src/abstract/PayloadBroadcaster.sol). The limits are XMTP's local-deployment values
 * (script/DeployLocal.s.sol: min 78, max 262 144 bytes), fixed here because Parley has no
 * parameter registry and no admin; for the same reason there is no pause.
 */
abstract contract PayloadBroadcaster {
    uint256 public constant MIN_PAYLOAD_SIZE = 78;
    uint256 public constant MAX_PAYLOAD_SIZE = 262_144;

    /// @dev the last sequence id handed out; the first payload gets 1
    uint64 public sequenceId;

    /// XMTP's error (src/abstract/interfaces/IPayloadBroadcaster.sol), same arguments
    error InvalidPayloadSize(uint256 actualSize_, uint256 minSize_, uint256 maxSize_);

    function minPayloadSize() external pure returns (uint256) {
        return MIN_PAYLOAD_SIZE;
    }

    function maxPayloadSize() external pure returns (uint256) {
        return MAX_PAYLOAD_SIZE;
    }

    function paused() external pure returns (bool) {
        return false;
    }

    function _nextSequenceId(uint256 payloadSize_) internal returns (uint64) {
        if (payloadSize_ < MIN_PAYLOAD_SIZE || payloadSize_ > MAX_PAYLOAD_SIZE) {
            revert InvalidPayloadSize(payloadSize_, MIN_PAYLOAD_SIZE, MAX_PAYLOAD_SIZE);
        }
        unchecked {
            return ++sequenceId;
        }
    }
}
