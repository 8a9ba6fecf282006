// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/**
 * Parley's permissionless node registry. XMTP's NodeRegistry (xmtp/smart-contracts
 * src/settlement-chain/NodeRegistry.sol) is curated: addNode and addToNetwork are admin-only.
 * Here anyone registers a node by posting a bond in the chain's native currency, leaves with an
 * exit delay that returns it, and loses it when anyone proves on chain that the node signed two
 * different originator envelopes for the same (originator, sequence id).
 *
 * The bond is native ETH, not an ERC-20: every EVM chain has it, so there is no token contract to
 * deploy, trust or approve, and a bond is one payable call. An app chain with a staking token would
 * swap this for transferFrom; nothing else changes.
 *
 * Kept from XMTP: node ids 100, 200, … (NODE_INCREMENT), the Node/NodeWithId shapes that
 * getAllNodes and getNode return, the signing key as an uncompressed secp256k1 point
 * (0x04 ‖ X ‖ Y, 65 bytes) with signer = its Ethereum address (_getSignerFromPublicKey).
 */
contract NodeRegistry {
    uint32 public constant NODE_INCREMENT = 100;

    struct Node {
        address signer;
        /// @dev true while the node is registered and not leaving (XMTP's field name; readers use only these)
        bool isCanonical;
        bytes signingPublicKey;
        string httpAddress;
    }

    struct NodeWithId {
        uint32 nodeId;
        Node node;
    }

    struct Bond {
        address owner;
        uint256 amount;
        /// @dev 0 while active; once leaving, the time the bond can be withdrawn
        uint64 exitAvailableAt;
    }

    /// the smallest bond a registration must carry (wei)
    uint256 public immutable minBond;
    /// seconds between deregister and withdrawBond: the window in which equivocation can still be proven
    uint64 public immutable exitDelay;
    /// share of a slashed bond paid to the reporter, in basis points; the rest stays locked here forever
    uint16 public immutable reporterRewardBps;

    uint32 public nodeCount;
    mapping(uint32 => Node) internal _nodes;
    mapping(uint32 => Bond) public bonds;
    /// signer address → node id, so one key backs at most one node at a time
    mapping(address => uint32) public nodeIdOfSigner;
    uint32[] internal _nodeIds;
    /// total wei slashed and never paid out (burned in place)
    uint256 public burned;

    event NodeAdded(uint32 indexed nodeId, address indexed owner, address indexed signer, bytes signingPublicKey, string httpAddress);
    event HttpAddressUpdated(uint32 indexed nodeId, string httpAddress);
    event NodeExitStarted(uint32 indexed nodeId, uint64 exitAvailableAt);
    event NodeRemoved(uint32 indexed nodeId, uint256 bondReturned);
    event NodeSlashed(uint32 indexed nodeId, address indexed reporter, uint64 sequenceId, uint256 reward, uint256 burned);

    error BondTooSmall(uint256 given, uint256 minimum);
    error InvalidSigningPublicKey();
    error InvalidHttpAddress();
    error SignerAlreadyRegistered(uint32 nodeId);
    error MaxNodesReached();
    error NotNodeOwner();
    error NodeNotFound(uint32 nodeId);
    error AlreadyLeaving();
    error NotLeaving();
    error ExitDelayNotOver(uint64 exitAvailableAt);
    error TransferFailed();
    error MalformedEnvelope();
    error NotEquivocation();
    error BadSignature();

    constructor(uint256 minBond_, uint64 exitDelay_, uint16 reporterRewardBps_) {
        require(reporterRewardBps_ <= 10_000);
        minBond = minBond_;
        exitDelay = exitDelay_;
        reporterRewardBps = reporterRewardBps_;
    }

    /* ---------- registration ---------- */

    /// Registers a node owned by the caller, bonded with msg.value. Returns its id (100, 200, …).
    function registerNode(bytes calldata signingPublicKey_, string calldata httpAddress_) external payable returns (uint32 nodeId_) {
        if (msg.value < minBond) revert BondTooSmall(msg.value, minBond);
        if (bytes(httpAddress_).length == 0) revert InvalidHttpAddress();
        address signer_ = _signerOf(signingPublicKey_);
        uint32 existing_ = nodeIdOfSigner[signer_];
        if (existing_ != 0) revert SignerAlreadyRegistered(existing_);
        if ((uint256(nodeCount) + 1) * NODE_INCREMENT > type(uint32).max) revert MaxNodesReached();
        nodeId_ = ++nodeCount * NODE_INCREMENT;
        _nodes[nodeId_] = Node(signer_, true, signingPublicKey_, httpAddress_);
        bonds[nodeId_] = Bond(msg.sender, msg.value, 0);
        nodeIdOfSigner[signer_] = nodeId_;
        _nodeIds.push(nodeId_);
        emit NodeAdded(nodeId_, msg.sender, signer_, signingPublicKey_, httpAddress_);
    }

    function setHttpAddress(uint32 nodeId_, string calldata httpAddress_) external {
        _onlyOwner(nodeId_);
        if (bytes(httpAddress_).length == 0) revert InvalidHttpAddress();
        _nodes[nodeId_].httpAddress = httpAddress_;
        emit HttpAddressUpdated(nodeId_, httpAddress_);
    }

    /// Starts leaving: the node is no longer canonical, and its bond stays slashable for exitDelay.
    function deregister(uint32 nodeId_) external {
        _onlyOwner(nodeId_);
        Bond storage bond_ = bonds[nodeId_];
        if (bond_.exitAvailableAt != 0) revert AlreadyLeaving();
        bond_.exitAvailableAt = uint64(block.timestamp) + exitDelay;
        _nodes[nodeId_].isCanonical = false;
        emit NodeExitStarted(nodeId_, bond_.exitAvailableAt);
    }

    /// After the exit delay: removes the node and returns its bond to the owner.
    function withdrawBond(uint32 nodeId_) external {
        _onlyOwner(nodeId_);
        Bond memory bond_ = bonds[nodeId_];
        if (bond_.exitAvailableAt == 0) revert NotLeaving();
        if (block.timestamp < bond_.exitAvailableAt) revert ExitDelayNotOver(bond_.exitAvailableAt);
        _remove(nodeId_);
        emit NodeRemoved(nodeId_, bond_.amount);
        (bool ok_, ) = bond_.owner.call{ value: bond_.amount }("");
        if (!ok_) revert TransferFailed();
    }

    /* ---------- equivocation ---------- */

    /**
     * Anyone may submit two UnsignedOriginatorEnvelope byte strings and their originator
     * signatures. If both parse to the same (originator_node_id, originator_sequence_id), the bytes
     * differ, and both signatures recover to that node's signer over
     * keccak256("originator|" ‖ bytes) (xmtpd pkg/constants/constants.go
     * OriginatorDomainSeparationLabel, pkg/utils/hash.go), the node is removed and its bond slashed:
     * reporterRewardBps to the caller, the rest burned. A leaving node is still slashable.
     */
    function slashEquivocation(bytes calldata unsignedA_, bytes calldata sigA_, bytes calldata unsignedB_, bytes calldata sigB_) external {
        (uint32 originatorA_, uint64 seqA_) = parseOriginatorAndSequence(unsignedA_);
        (uint32 originatorB_, uint64 seqB_) = parseOriginatorAndSequence(unsignedB_);
        if (originatorA_ != originatorB_ || seqA_ != seqB_) revert NotEquivocation();
        if (keccak256(unsignedA_) == keccak256(unsignedB_)) revert NotEquivocation();
        Bond memory bond_ = bonds[originatorA_];
        if (bond_.owner == address(0)) revert NodeNotFound(originatorA_);
        address signer_ = _nodes[originatorA_].signer;
        if (recoverOriginatorSigner(unsignedA_, sigA_) != signer_) revert BadSignature();
        if (recoverOriginatorSigner(unsignedB_, sigB_) != signer_) revert BadSignature();
        _remove(originatorA_);
        uint256 reward_ = (bond_.amount * reporterRewardBps) / 10_000;
        burned += bond_.amount - reward_;
        emit NodeSlashed(originatorA_, msg.sender, seqA_, reward_, bond_.amount - reward_);
        if (reward_ > 0) {
            (bool ok_, ) = msg.sender.call{ value: reward_ }("");
            if (!ok_) revert TransferFailed();
        }
    }

    /// The originator's address that signed `unsigned_` (65 bytes r ‖ s ‖ v, v ∈ {0, 1} as go-ethereum's crypto.Sign; 27/28 accepted too).
    function recoverOriginatorSigner(bytes calldata unsigned_, bytes calldata sig_) public pure returns (address) {
        if (sig_.length != 65) revert BadSignature();
        bytes32 r_ = bytes32(sig_[0:32]);
        bytes32 s_ = bytes32(sig_[32:64]);
        uint8 v_ = uint8(sig_[64]);
        if (v_ < 27) v_ += 27;
        if (v_ != 27 && v_ != 28) revert BadSignature();
        // reject high-s: ecrecover accepts both halves, secp256k1 signers only produce low-s
        if (uint256(s_) > 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0) revert BadSignature();
        address signer_ = ecrecover(keccak256(abi.encodePacked("originator|", unsigned_)), v_, r_, s_);
        if (signer_ == address(0)) revert BadSignature();
        return signer_;
    }

    /**
     * Fields 1 (originator_node_id, uint32) and 2 (originator_sequence_id, uint64) of an
     * UnsignedOriginatorEnvelope (xmtp/proto proto/xmtpv4/envelopes/envelopes.proto). A small
     * protobuf reader: walks every field, skipping the others by wire type; the last occurrence
     * of a field wins and a missing one is 0, as protobuf decoders do.
     */
    function parseOriginatorAndSequence(bytes calldata data_) public pure returns (uint32 originator_, uint64 sequenceId_) {
        uint256 i_ = 0;
        uint256 n_ = data_.length;
        while (i_ < n_) {
            uint256 key_;
            (key_, i_) = _varint(data_, i_);
            uint256 field_ = key_ >> 3;
            uint256 wireType_ = key_ & 7;
            if (field_ == 0) revert MalformedEnvelope();
            if (wireType_ == 0) {
                uint256 value_;
                (value_, i_) = _varint(data_, i_);
                if (field_ == 1) {
                    if (value_ > type(uint32).max) revert MalformedEnvelope();
                    originator_ = uint32(value_);
                } else if (field_ == 2) {
                    sequenceId_ = uint64(value_);
                }
            } else {
                if (field_ == 1 || field_ == 2) revert MalformedEnvelope();
                if (wireType_ == 1) {
                    i_ += 8;
                } else if (wireType_ == 2) {
                    uint256 len_;
                    (len_, i_) = _varint(data_, i_);
                    i_ += len_;
                } else if (wireType_ == 5) {
                    i_ += 4;
                } else {
                    revert MalformedEnvelope();
                }
                if (i_ > n_) revert MalformedEnvelope();
            }
        }
    }

    /* ---------- reads ---------- */

    function getNode(uint32 nodeId_) external view returns (Node memory node_) {
        node_ = _nodes[nodeId_];
        if (node_.signer == address(0)) revert NodeNotFound(nodeId_);
    }

    /// Every node that is registered and not yet removed, leaving ones included (isCanonical false).
    function getAllNodes() external view returns (NodeWithId[] memory nodes_) {
        nodes_ = new NodeWithId[](_nodeIds.length);
        for (uint256 i_ = 0; i_ < _nodeIds.length; ++i_) {
            nodes_[i_] = NodeWithId(_nodeIds[i_], _nodes[_nodeIds[i_]]);
        }
    }

    function getAllNodesCount() external view returns (uint256) {
        return _nodeIds.length;
    }

    /* ---------- internals ---------- */

    function _onlyOwner(uint32 nodeId_) internal view {
        address owner_ = bonds[nodeId_].owner;
        if (owner_ == address(0)) revert NodeNotFound(nodeId_);
        if (owner_ != msg.sender) revert NotNodeOwner();
    }

    function _remove(uint32 nodeId_) internal {
        delete nodeIdOfSigner[_nodes[nodeId_].signer];
        delete _nodes[nodeId_];
        delete bonds[nodeId_];
        uint256 last_ = _nodeIds.length - 1;
        for (uint256 i_ = 0; i_ <= last_; ++i_) {
            if (_nodeIds[i_] == nodeId_) {
                _nodeIds[i_] = _nodeIds[last_];
                _nodeIds.pop();
                break;
            }
        }
    }

    function _signerOf(bytes calldata publicKey_) internal pure returns (address) {
        if (publicKey_.length != 65 || publicKey_[0] != 0x04) revert InvalidSigningPublicKey();
        return address(uint160(uint256(keccak256(publicKey_[1:65]))));
    }

    /// a base-128 varint of at most 10 bytes
    function _varint(bytes calldata data_, uint256 i_) internal pure returns (uint256 value_, uint256 next_) {
        for (uint256 shift_ = 0; shift_ < 70; shift_ += 7) {
            if (i_ >= data_.length) revert MalformedEnvelope();
            uint8 b_ = uint8(data_[i_++]);
            value_ |= uint256(b_ & 0x7f) << shift_;
            if (b_ & 0x80 == 0) return (value_, i_);
        }
        revert MalformedEnvelope();
    }
}
