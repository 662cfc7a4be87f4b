// Lets TypeScript accept the renderer's CSS imports, which Vite bundles.
declare module '*.css';
