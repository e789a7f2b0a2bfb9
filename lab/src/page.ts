/**
 * What a page of the Lab is. A page is one folder under pages/ whose index.ts default-exports a LabPage; the shell
 * finds it there (import.meta.glob), so adding a page touches nothing else.
 */
import type { Lang } from './i18n.js';

export interface LabPage {
  /** the route: #<id> */
  id: string;
  /** where it sits in the menu (ascending) */
  order: number;
  title: Record<Lang, string>;
  /**
   * Builds the page into `root` (with `params`, the part of the URL after `#<id>?`, for a shared set-up) and returns
   * what the shell needs later. A language switch calls relabel(), not mount again: the page keeps its state.
   */
  mount(root: HTMLElement, params: URLSearchParams): MountedPage;
}

export interface MountedPage {
  /** The page's state for automated checks (window.lab.state()): plain JSON. */
  state(): Record<string, unknown>;
  /** Re-renders every text in the current language. */
  relabel(): void;
  /** Stops timers and workers. */
  unmount(): void;
}

/** Writes the page's shareable set-up into the URL (replacing the history entry, so Back leaves the page). */
export function setParams(id: string, params: URLSearchParams): void {
  history.replaceState(null, '', `#${id}?${params.toString()}`);
}
