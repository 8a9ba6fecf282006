import { render } from 'preact';
import { App } from './App';
import { createDemoStore } from './demoStore';

render(<App store={createDemoStore()} />, document.getElementById('app')!);
