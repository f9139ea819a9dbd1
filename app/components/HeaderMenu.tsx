import { useLocation } from "@remix-run/react";
import { useEffect, useRef, type ReactNode } from "react";

/**
 * Who you are and whom you could be, folded into a disclosure on narrow
 * screens. A `<details>`, so it opens without JavaScript and from the
 * keyboard (Enter or Space on its summary); with JavaScript, Escape and a
 * click elsewhere close it, and so does going to another page. From `lg` up
 * the summary hides and the content shows inline, open or not (styled
 * through `::details-content`), so there is one copy of every control.
 */
export function HeaderMenu({ label, children }: { label: string; children: ReactNode }) {
  const menu = useRef<HTMLDetailsElement>(null);
  const { key } = useLocation();
  useEffect(() => {
    if (menu.current) menu.current.open = false;
  }, [key]);
  useEffect(() => {
    const closeOutside = (event: MouseEvent) => {
      if (menu.current?.open && !menu.current.contains(event.target as Node))
        menu.current.open = false;
    };
    const closeOnEscape = (event: KeyboardEvent) => {
      const details = menu.current;
      if (event.key !== "Escape" || !details?.open || !details.contains(event.target as Node))
        return;
      details.open = false;
      details.querySelector("summary")?.focus();
    };
    document.addEventListener("click", closeOutside);
    document.addEventListener("keydown", closeOnEscape);
    return () => {
      document.removeEventListener("click", closeOutside);
      document.removeEventListener("keydown", closeOnEscape);
    };
  }, []);
  return (
    <details
      ref={menu}
      className="relative ml-auto lg:details-content:[content-visibility:visible]"
      data-testid="header-menu"
    >
      <summary className="flex cursor-pointer list-none items-center gap-1 rounded-md border border-slate-300 px-2 py-1 text-sm font-medium text-slate-700 hover:bg-slate-100 lg:hidden [&::-webkit-details-marker]:hidden">
        {label}
        <span aria-hidden="true" className="text-xs">
          ▾
        </span>
      </summary>
      <div className="absolute right-0 z-20 mt-2 flex w-72 max-w-[calc(100vw-2rem)] flex-col items-start gap-2 rounded-lg border border-slate-200 bg-white p-3 shadow-lg lg:static lg:mt-0 lg:w-auto lg:max-w-none lg:flex-row lg:flex-wrap lg:items-center lg:border-0 lg:p-0 lg:shadow-none">
        {children}
      </div>
    </details>
  );
}
