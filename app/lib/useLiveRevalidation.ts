import { useRevalidator } from "@remix-run/react";
import { useEffect } from "react";

/**
 * Keeps a page's loader data current while it is open, without websockets:
 * the loader runs again when the window regains focus, and every
 * `intervalMs` while the page is visible (a hidden tab asks nothing).
 */
export function useLiveRevalidation(intervalMs: number) {
  const { revalidate } = useRevalidator();
  useEffect(() => {
    const refreshIfVisible = () => {
      if (document.visibilityState === "visible") revalidate();
    };
    const timer = window.setInterval(refreshIfVisible, intervalMs);
    window.addEventListener("focus", refreshIfVisible);
    document.addEventListener("visibilitychange", refreshIfVisible);
    return () => {
      window.clearInterval(timer);
      window.removeEventListener("focus", refreshIfVisible);
      document.removeEventListener("visibilitychange", refreshIfVisible);
    };
  }, [revalidate, intervalMs]);
}
