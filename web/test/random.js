// A small seeded random source (mulberry32): the same seed gives the same numbers. Shared by the
// chaos test (test/chaos.js) and the shop generator (scripts/shop-data.mjs).
export function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
