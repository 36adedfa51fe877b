// The sync bar: online or not, what is pending and since when, the last sync and its error.
// Text is replaced only when it changed: the live regions (online, pending, error) are announced
// when they change, not every second; the ages, redrawn every second, are outside them.
import { ago } from '/lib.js';

const $ = (id) => document.getElementById(id);

function put(id, text) {
  if ($(id).textContent !== text) $(id).textContent = text;
}

// `status`: the shop's syncStatus(), or null before the first.
export function renderSync(status) {
  if (!status) return;
  put('sync-online', status.online ? 'Online' : 'Offline');
  $('sync-online').className = `badge ${status.online ? 'ok' : 'bad'}`;
  put('sync-pending', status.pending === 0 ? 'All synced' : `${status.pending} pending`);
  $('sync-pending').dataset.pending = String(status.pending);
  put('sync-age', status.pending && status.oldestPendingAt ? `oldest ${ago(status.oldestPendingAt)}` : '');
  put('sync-last', status.lastSyncAt ? `Last sync ${ago(status.lastSyncAt)}` : 'Not synced yet');
  $('sync-error').hidden = !status.lastError;
  put('sync-error', status.lastError ? `Sync failed: ${status.lastError}` : '');
}
