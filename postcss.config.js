export default {
  plugins: {
    // Tailwind flattens its nested CSS only when it optimizes, by default in
    // production alone; Remix's CSS bundler warns about the nesting it leaves
    // (`space-y-*`, `divide-y`) in development builds. Optimize always, minify
    // only for production, as before.
    "@tailwindcss/postcss": { optimize: { minify: process.env.NODE_ENV === "production" } },
  },
};
