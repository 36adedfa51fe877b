// The service worker of the EdgeCart apps: keeps the app shell (pages, scripts, styles, the
// module and its .wasm) in a cache named after the build, so the till and the storefront open,
// reload and restart with no network. The build (web/scripts/build-apps.mjs) fills in BUILD and
// SHELL. The API (/products, /orders, /inventory, /sync, /dev) is never cached: the data lives in
// IndexedDB, which this worker never touches, so an update cannot lose the outbox.
const BUILD = '__BUILD__';
const SHELL = __SHELL__;
const CACHE = `edgecart-shell-${BUILD}`;

self.addEventListener('install', (event) => {
  // Everything or nothing: a half-filled cache would open a page whose module is missing.
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)));
  // The first install takes over at once; a later one waits until the app says it closed its
  // shop (every save finished), see "message".
  if (!self.registration.active) self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('edgecart-shell-') && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('message', (event) => {
  if (event.data === 'activate') self.skipWaiting();
});

// "/till/index.html" and "/till/?till=2" are the shell's "/till/".
function shellKey(url) {
  if (url.origin !== self.location.origin) return null;
  const path = url.pathname.endsWith('/index.html') ? url.pathname.slice(0, -'index.html'.length) : url.pathname;
  const key = SHELL.includes(path) ? path : SHELL.includes(`${path}/`) ? `${path}/` : null;
  return key;
}

self.addEventListener('fetch', (event) => {
  if (event.request.method !== 'GET') return;
  const key = shellKey(new URL(event.request.url));
  if (key === null) return;  // the API and anything else: straight to the network
  event.respondWith((async () => {
    const cached = await caches.match(key, { cacheName: CACHE });
    return cached ?? fetch(event.request);
  })());
});
