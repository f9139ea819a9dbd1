/**
 * Downloads of everything the current filter matches. Plain links, not
 * Remix's: a file is fetched by the browser, never by the client router.
 */
export function ExportLinks({ links }: { links: [label: string, href: string][] }) {
  return (
    <nav aria-label="Export" className="flex justify-end gap-3 text-sm">
      {links.map(([label, href]) => (
        <a
          key={href}
          href={href}
          download
          className="text-indigo-700 hover:underline focus-visible:outline focus-visible:outline-2 focus-visible:outline-indigo-600"
        >
          {label}
        </a>
      ))}
    </nav>
  );
}
