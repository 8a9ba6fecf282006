import '../theme';
import { render } from 'preact';
import { createUiClient } from '../../core/rpc';
import { Onboarding } from './Onboarding';
import './page.css';

const call = createUiClient((message) => chrome.runtime.sendMessage(message));
render(<Onboarding call={call} />, document.getElementById('app')!);
