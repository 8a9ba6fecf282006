import { useState } from 'preact/hooks';
import { parseAddresses } from './format';
import { useStores } from './stores/stores';
import './NewConversation.css';

const ADDRESS = /^0x[0-9a-f]{40}$/;

/** Start a DM by address, or a group from a name and addresses. */
export function NewConversation() {
  const { inbox } = useStores();
  const [address, setAddress] = useState('');
  const [name, setName] = useState('');
  const [members, setMembers] = useState('');
  const [problem, setProblem] = useState('');
  const [creating, setCreating] = useState(false);

  const create = async (work: () => Promise<boolean>): Promise<boolean> => {
    setCreating(true);
    try {
      return await work();
    } finally {
      setCreating(false);
    }
  };

  const startDm = async (event: Event) => {
    event.preventDefault();
    const peer = address.trim().toLowerCase();
    if (!ADDRESS.test(peer)) return setProblem('Enter a 0x address of 40 hex digits.');
    setProblem('');
    if (await create(() => inbox.createDm(peer))) setAddress('');
  };

  const createGroup = async (event: Event) => {
    event.preventDefault();
    const addresses = parseAddresses(members);
    const bad = addresses.find((a) => !ADDRESS.test(a));
    if (bad) return setProblem(`Not an address: ${bad}`);
    setProblem('');
    if (await create(() => inbox.createGroup(addresses, name.trim()))) {
      setName('');
      setMembers('');
    }
  };

  return (
    <div class="new-conversation">
      <form onSubmit={startDm} aria-label="New DM">
        <label>
          Address
          <input type="text" autocomplete="off" spellcheck={false} placeholder="0x…" value={address} onInput={(e) => setAddress(e.currentTarget.value)} />
        </label>
        <button type="submit" disabled={creating}>
          Start DM
        </button>
      </form>
      <form onSubmit={createGroup} aria-label="New group">
        <label>
          Group name
          <input type="text" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          Member addresses
          <textarea rows={2} spellcheck={false} placeholder="0x…, 0x…" value={members} onInput={(e) => setMembers(e.currentTarget.value)} />
        </label>
        <button type="submit" disabled={creating}>
          Create group
        </button>
      </form>
      {problem && <p role="alert">{problem}</p>}
    </div>
  );
}
