// The extension's own tokens and base styles, so the demo looks like Parley's screens.
import '../src/popup/theme';
import { render } from 'preact';
import { App } from './App';
import { createDemoStore } from './demoStore';

render(<App store={createDemoStore()} />, document.getElementById('app')!);
