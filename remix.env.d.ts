/// <reference types="@remix-run/dev" />
/// <reference types="@remix-run/node" />

// `v3_singleFetch` is on in remix.config.js: loader and action data cross the
// wire by turbo-stream, not JSON, and `useLoaderData<typeof loader>` types it so.
declare module "@remix-run/node" {
  interface Future {
    v3_singleFetch: true;
  }
}

export {};
