// Renderer entry: mounts the React app once main's first wallet view is in (a few ms, bounded), so the first paint has the balance.
import { StrictMode } from 'react';
import { flushSync } from 'react-dom';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { firstViewSettled } from './stores/wallet-store';
import './styles.css';

void firstViewSettled().then(() => {
  const root = createRoot(document.getElementById('root')!);
  // rendered and committed in one go: the page chunks that the first render starts loading cannot run in between and delay the shell
  flushSync(() =>
    root.render(
      <StrictMode>
        <App />
      </StrictMode>,
    ),
  );
});
