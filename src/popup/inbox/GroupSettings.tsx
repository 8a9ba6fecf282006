import { useEffect, useState } from 'preact/hooks';
import type { GroupPermissions, PermissionOption, PermissionUpdateType } from '../../core/rpc';
import { inboxName } from './format';
import { messageOf } from './popupApi';
import { useStores } from './stores/stores';
import './GroupSettings.css';

const OPTIONS: { value: PermissionOption; label: string }[] = [
  { value: 'allow', label: 'Everyone' },
  { value: 'admin', label: 'Admins' },
  { value: 'superAdmin', label: 'Super admins' },
  { value: 'deny', label: 'Nobody' },
];

/** The policies the screen offers: membership and the visible attributes. */
const RULES: { label: string; update: PermissionUpdateType; field?: string; read: (p: GroupPermissions['policies']) => string | undefined }[] = [
  { label: 'Add members', update: 'addMember', read: (p) => p.addMember },
  { label: 'Remove members', update: 'removeMember', read: (p) => p.removeMember },
  { label: 'Rename the group', update: 'updateMetadata', field: 'group_name', read: (p) => p.updateMetadata['group_name'] },
  { label: 'Change the description', update: 'updateMetadata', field: 'description', read: (p) => p.updateMetadata['description'] },
];

/**
 * A group's roles and permissions (xmtp_groupPermissions and its changes, run for the whole
 * inbox). Controls a user lacks the right for stay enabled: the worker refuses them before
 * anything is sent and the reason shows here.
 */
export function GroupSettings({ conversationId, memberInboxIds }: { conversationId: string; memberInboxIds: readonly string[] }) {
  const { api, inbox, session } = useStores();
  const own = session.active.value?.inboxId;
  const [roles, setRoles] = useState<GroupPermissions | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    api.dapp('xmtp_groupPermissions', { conversationId }).then(
      (r) => current && setRoles(r),
      (e: unknown) => current && setError(messageOf(e)),
    );
    return () => {
      current = false;
    };
  }, [conversationId]);

  const run = async (work: Promise<GroupPermissions>) => {
    try {
      setRoles(await work);
      setError(null);
    } catch (e) {
      setError(messageOf(e));
    }
  };

  if (roles === null) return error ? <p role="alert">{error}</p> : null;
  const roleOf = (id: string) => (roles.superAdminInboxIds.includes(id) ? 'Super admin' : roles.adminInboxIds.includes(id) ? 'Admin' : 'Member');
  const preset = roles.preset === 'default' ? 'All members (default)' : roles.preset === 'admin_only' ? 'Admins only' : 'Custom';

  return (
    <details class="group-settings">
      <summary>Group settings</summary>
      <p>
        Permissions: <strong>{preset}</strong>
      </p>
      <h3>Members</h3>
      <ul class="group-roles">
        {memberInboxIds.map((id) => (
          <li key={id}>
            <span>
              <bdi>{id === own ? 'You' : inboxName(id, inbox.addresses.value)}</bdi> · {roleOf(id)}
            </span>
            {roleOf(id) === 'Member' && (
              <button type="button" onClick={() => void run(api.dapp('xmtp_addAdmin', { conversationId, inboxId: id }))}>
                Make admin
              </button>
            )}
            {roleOf(id) === 'Admin' && (
              <button type="button" onClick={() => void run(api.dapp('xmtp_removeAdmin', { conversationId, inboxId: id }))}>
                Remove admin
              </button>
            )}
          </li>
        ))}
      </ul>
      <h3>Who may</h3>
      {RULES.map((rule) => (
        <label key={rule.label} class="group-rule">
          {rule.label}
          <select
            value={rule.read(roles.policies) ?? ''}
            onChange={(e) => {
              const option = e.currentTarget.value as PermissionOption;
              void run(api.dapp('xmtp_updatePermission', { conversationId, update: rule.update, option, ...(rule.field ? { field: rule.field } : {}) }));
            }}
          >
            {OPTIONS.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
        </label>
      ))}
      {error && <p role="alert">{error}</p>}
    </details>
  );
}
