import {
  ReactionAction as WireAction,
  ReactionSchema as WireSchema,
  ReactionV2,
} from '@xmtp/proto/mls/message_contents/content_types/reaction.pb';
import type { ReactionAction, ReactionContent, ReactionSchema } from '../content';
import { ContentTypes } from '../contentTypeId';
import { ownBytes } from '../bytes';
import { parameter, type EncodedContent } from '../encodedContent';
import { decodeUtf8, field, malformed, optionalString, parseJsonObject, requiredString } from './wire';

const wireAction: Record<ReactionAction, WireAction> = {
  added: WireAction.REACTION_ACTION_ADDED,
  removed: WireAction.REACTION_ACTION_REMOVED,
};

const wireSchema: Record<ReactionSchema, WireSchema> = {
  unicode: WireSchema.REACTION_SCHEMA_UNICODE,
  shortcode: WireSchema.REACTION_SCHEMA_SHORTCODE,
  custom: WireSchema.REACTION_SCHEMA_CUSTOM,
};

function actionFromName(name: unknown): ReactionAction {
  if (name === 'added' || name === 'removed') return name;
  throw malformed('reaction');
}

/** libxmtp leaves an unknown schema UNSPECIFIED and renders it as plain text: unicode. */
function schemaFromName(name: unknown): ReactionSchema {
  return name === 'shortcode' || name === 'custom' ? name : 'unicode';
}

/** libxmtp reaction.rs ReactionCodec::fallback, ASCII quotes and all. */
export function reactionFallback(content: ReactionContent): string {
  return content.action === 'removed'
    ? `Removed "${content.content}" from an earlier message`
    : `Reacted with "${content.content}" to an earlier message`;
}

/** Always reaction 2.0, the protobuf ReactionV2 libxmtp writes. */
export function encodeReaction(content: ReactionContent): EncodedContent {
  const wire: ReactionV2 = {
    reference: content.reference,
    referenceInboxId: content.referenceInboxId ?? '',
    action: wireAction[content.action],
    content: content.content,
    schema: wireSchema[content.schema],
  };
  return {
    type: { ...ContentTypes.reaction },
    parameters: {},
    fallback: reactionFallback(content),
    content: ownBytes(ReactionV2.encode(wire).finish()),
  };
}

function reactionContent(
  reference: string,
  referenceInboxId: string | undefined,
  action: ReactionAction,
  schema: ReactionSchema,
  content: string,
): ReactionContent {
  const out: ReactionContent = { type: 'reaction', reference, action, schema, content };
  if (referenceInboxId) out.referenceInboxId = referenceInboxId;
  return out;
}

export function decodeReactionV2(encoded: EncodedContent): ReactionContent {
  let wire: ReactionV2;
  try {
    wire = ReactionV2.decode(encoded.content);
  } catch (cause) {
    throw malformed('reaction', cause);
  }
  const action =
    wire.action === WireAction.REACTION_ACTION_ADDED
      ? 'added'
      : wire.action === WireAction.REACTION_ACTION_REMOVED
        ? 'removed'
        : undefined;
  if (action === undefined) throw malformed('reaction');
  const schema =
    wire.schema === WireSchema.REACTION_SCHEMA_SHORTCODE
      ? 'shortcode'
      : wire.schema === WireSchema.REACTION_SCHEMA_CUSTOM
        ? 'custom'
        : 'unicode';
  return reactionContent(wire.reference, wire.referenceInboxId, action, schema, wire.content);
}

/**
 * Reaction 1.0 (xmtp-js content-type-reaction): a JSON body, or, from the oldest
 * clients, the emoji as UTF-8 with action/reference/schema in the parameters.
 */
export function decodeReactionV1(encoded: EncodedContent): ReactionContent {
  try {
    const json = parseJsonObject(encoded.content, 'reaction');
    return reactionContent(
      requiredString(json, 'reference', 'reaction'),
      optionalString(json, 'referenceInboxId', 'reaction'),
      actionFromName(field(json, 'action')),
      schemaFromName(field(json, 'schema')),
      requiredString(json, 'content', 'reaction'),
    );
  } catch (jsonError) {
    const reference = parameter(encoded, 'reference');
    const action = parameter(encoded, 'action');
    if (reference === undefined || action === undefined) throw jsonError;
    return reactionContent(
      reference,
      undefined,
      actionFromName(action),
      schemaFromName(parameter(encoded, 'schema')),
      decodeUtf8(encoded.content, 'reaction'),
    );
  }
}
