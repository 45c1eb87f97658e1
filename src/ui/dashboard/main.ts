import { h, render, type ComponentChild } from 'preact';
import { App } from './app';
import { adoptKeyFromFragment, loadApiKey } from './credentials';
import { loadPublicConfig } from './public-config';

/** Entry point of the bundle (`dist/dashboard/app.js`). */
async function boot(root: HTMLElement): Promise<void> {
  const start = (node: ComponentChild) => {
    // The static "loading" text is not Preact's to diff: clear it, or it would stay below the app.
    root.replaceChildren();
    render(node, root);
  };
  // Before anything renders or is logged: take the key out of the address bar.
  adoptKeyFromFragment();
  try {
    const config = await loadPublicConfig();
    start(h(App, { config, initialApiKey: loadApiKey() }));
  } catch (e) {
    start(
      h(
        'div',
        { class: 'boot-error', role: 'alert', 'data-testid': 'boot-error' },
        h('h1', null, 'The dashboard could not start'),
        h('p', null, e instanceof Error ? e.message : String(e)),
      ),
    );
  }
}

const root = document.getElementById('app');
if (root) void boot(root);
