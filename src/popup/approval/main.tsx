import '../theme';
import { render } from 'preact';
import { createUiClient } from '../../core/rpc';
import '../onboarding/page.css';
import { Approval } from './Approval';

const call = createUiClient((message) => chrome.runtime.sendMessage(message));
const approvalId = new URLSearchParams(location.search).get('id') ?? '';
render(<Approval call={call} approvalId={approvalId} close={() => window.close()} />, document.getElementById('app')!);
