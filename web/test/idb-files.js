// The files of a shop's IndexedDB database, read back in the layout of web/src/idbfiles.ts
// (object store `pieces`, key [path, offset] → the bytes from offset): {path: Uint8Array}, {}
// for a database without it. For the tests, in Node (fake-indexeddb) and in pages alike.
export function readDatabaseFiles(db) {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(db);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const conn = open.result;
      if (!conn.objectStoreNames.contains('pieces')) {
        conn.close();
        return resolve({});
      }
      const tx = conn.transaction(['pieces'], 'readonly');
      const keys = tx.objectStore('pieces').getAllKeys();
      const values = tx.objectStore('pieces').getAll();
      tx.oncomplete = () => {
        conn.close();
        const parts = {};
        keys.result.forEach(([path], i) => (parts[path] ??= []).push(values.result[i]));
        const files = {};
        for (const [path, list] of Object.entries(parts)) {
          const bytes = new Uint8Array(list.reduce((n, p) => n + p.byteLength, 0));
          let at = 0;
          for (const p of list) {
            bytes.set(p, at);
            at += p.byteLength;
          }
          files[path] = bytes;
        }
        resolve(files);
      };
      tx.onerror = () => reject(tx.error);
    };
  });
}
