// Type entry of the package: both hosts export the same API (see node.ts and browser.ts).
export * from './browser.js';
