import { Link } from "@remix-run/react";

interface PageLinks {
  first: string;
  previous: string | null;
  next: string | null;
}

const linkClass =
  "rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm hover:bg-slate-50";

export function Pagination({ links, path }: { links: PageLinks; path: string }) {
  if (!links.previous && !links.next) return null;
  return (
    <nav aria-label="Pages" className="flex items-center justify-between gap-2">
      <div className="flex gap-2">
        {links.previous ? (
          <>
            <Link to={path + links.first} className={linkClass}>
              « First
            </Link>
            <Link to={path + links.previous} className={linkClass} rel="prev">
              ‹ Previous
            </Link>
          </>
        ) : null}
      </div>
      {links.next ? (
        <Link to={path + links.next} className={linkClass} rel="next">
          Next ›
        </Link>
      ) : null}
    </nav>
  );
}
